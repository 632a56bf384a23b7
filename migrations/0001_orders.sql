-- Orders, their lines and their status history (DESIGN §6).
-- Money is stored in integer cents (bigint); the API renders "350.00".

CREATE TABLE orders (
    id                  uuid        PRIMARY KEY,
    user_id             text        NOT NULL CHECK (length(user_id) BETWEEN 1 AND 64),
    status              text        NOT NULL CHECK (status IN ('new', 'paid', 'shipped', 'delivered', 'cancelled')),
    amount_cents        bigint      NOT NULL CHECK (amount_cents >= 0),
    currency            char(3)     NOT NULL,
    idempotency_key     uuid        NOT NULL UNIQUE,
    request_fingerprint text        NOT NULL,
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL,
    version             integer     NOT NULL DEFAULT 1
);

-- Keyset pagination: newest first by id (v7 UUIDs are time-ordered).
CREATE INDEX orders_user_id_idx ON orders (user_id, id DESC);
CREATE INDEX orders_status_idx ON orders (status, id DESC);
-- The stale-order sweeper looks at new orders by age.
CREATE INDEX orders_new_created_idx ON orders (created_at) WHERE status = 'new';

CREATE TABLE order_items (
    order_id         uuid    NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    line             integer NOT NULL CHECK (line >= 1),
    item_id          text    NOT NULL,
    name             text    NOT NULL,
    quantity         integer NOT NULL CHECK (quantity > 0),
    unit_price_cents bigint  NOT NULL CHECK (unit_price_cents >= 0),
    PRIMARY KEY (order_id, line)
);

CREATE TABLE order_status_history (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id    uuid        NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    from_status text        NULL,
    to_status   text        NOT NULL,
    reason      text        NOT NULL,
    at          timestamptz NOT NULL
);
CREATE INDEX order_status_history_order_idx ON order_status_history (order_id, id);

-- The local catalog, used when CATALOG_SERVICE_API_URL is not set. Stock is
-- reserved in the order's own transaction.
CREATE TABLE inventory (
    item_id       text    PRIMARY KEY,
    name          text    NOT NULL,
    price_cents   bigint  NOT NULL CHECK (price_cents >= 0),
    available_qty bigint  NOT NULL CHECK (available_qty >= 0)
);
