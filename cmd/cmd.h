/*
 * The composition root's shared parts (DESIGN §1): one entry point per
 * subcommand family, each in its own file, and the few start-up helpers
 * they all use. main.c loads the configuration and dispatches; the
 * families wire adapters into use cases and worker loops; observers.c
 * turns what the loops report into metrics and log lines. Only cmd/
 * includes this header.
 */
#ifndef OS_CMD_H
#define OS_CMD_H

#include <signal.h>
#include <stdio.h>

#include "app/admin_port.h"
#include "app/order_service.h"
#include "domain/status.h"
#include "infrastructure/config/config.h"

/* Raised by SIGTERM and SIGINT (main.c); every loop stops when it is set. */
extern volatile sig_atomic_t cmd_stop_requested;

/* From now on SIGTERM and SIGINT also stop the API's event loops. */
void cmd_stop_api_on_signal(void);

/* The command summary on out; returns the exit code (2 on stderr, else 0). */
int cmd_usage(FILE *out);

/* A failure at start: one line on stderr in the configured log format;
 * returns the exit code 1. */
int cmd_fail_line(const char *what, const struct os_error *err);

/* OS_EINVAL naming the setting when value is empty. */
enum os_status cmd_require(const char *value, const char *name, struct os_error *err);

/*
 * The subcommand families. Each takes the loaded configuration (borrowed,
 * it outlives the call), the arguments after its own name, and returns the
 * process's exit code.
 */

/* `api` (cmd_api.c). */
int cmd_api(const struct config *cfg, const struct order_settings *settings);

/* `migrate [status] [--dir DIR]`, `outbox|inbox list|retry` (cmd_admin.c). */
int cmd_migrate(const struct config *cfg, int argc, char **argv);
int cmd_admin(const struct config *cfg, enum admin_kind kind, int argc, char **argv);

/* `worker <kind>` (cmd_workers.c). */
int cmd_worker(const struct config *cfg, const struct order_settings *settings, int argc,
	       char **argv);

/* `dev-kafka [--addr-file FILE]` (cmd_dev.c). */
int cmd_dev_kafka(const struct config *cfg, int argc, char **argv);

#endif
