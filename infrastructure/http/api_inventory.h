/*
 * The inventory routes (api_inventory.c): list, get, put and adjust the
 * stock of an item.
 */
#ifndef OS_API_INVENTORY_H
#define OS_API_INVENTORY_H

#include "infrastructure/http/api_routes.h"

api_handler_fn api_inventory_list;
api_handler_fn api_inventory_get;
api_handler_fn api_inventory_put;
api_handler_fn api_inventory_adjust;

#endif
