/*
 * The operations routes (api_ops.c): liveness, readiness, metrics, and
 * the dead letters with their retry.
 */
#ifndef OS_API_OPS_H
#define OS_API_OPS_H

#include "infrastructure/http/api_routes.h"

api_handler_fn api_ops_live;
api_handler_fn api_ops_ready;
api_handler_fn api_ops_metrics;
api_handler_fn api_ops_dead_letters;
api_handler_fn api_ops_retry_one;
api_handler_fn api_ops_retry_all;

#endif
