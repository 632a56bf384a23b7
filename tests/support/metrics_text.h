/*
 * The process's metrics as a test reads them: metrics_render's Prometheus
 * text, for the metrics tests (unit and integration alike).
 */
#ifndef OS_METRICS_TEXT_H
#define OS_METRICS_TEXT_H

/* Renders every metric; the text lives until the next call. Fails the
 * running test when the rendering does not fit its 1 MiB. */
const char *metrics_text(void);

#endif
