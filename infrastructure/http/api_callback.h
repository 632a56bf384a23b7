/*
 * The payment service's signed callback (api_callback.c): POST
 * /api/v1/orders/payment-callback.
 */
#ifndef OS_API_CALLBACK_H
#define OS_API_CALLBACK_H

#include "infrastructure/http/api_routes.h"

api_handler_fn api_callback_payment;

#endif
