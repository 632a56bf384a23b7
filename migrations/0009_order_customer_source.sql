-- Customer, shipping address, external reference and source of an order
-- (DESIGN §4, §6). Orders created through the API have no external
-- reference; orders posted by a shop platform's ingress webhook carry the
-- shop's own order id, unique among them (NULLs never collide).
-- The shipping address is one free-text string.

ALTER TABLE orders
    ADD COLUMN customer_name    text NULL CHECK (length(customer_name) <= 128),
    ADD COLUMN customer_email   text NULL CHECK (length(customer_email) <= 254),
    ADD COLUMN shipping_address text NULL CHECK (length(shipping_address) <= 512),
    ADD COLUMN external_ref     text NULL CHECK (length(external_ref) BETWEEN 1 AND 64),
    ADD COLUMN source           text NOT NULL DEFAULT 'api' CHECK (source IN ('api', 'webhook'));

CREATE UNIQUE INDEX orders_external_ref_key ON orders (external_ref);

-- GET /api/v1/orders/{id}/events: an order's outbox rows in sequence.
CREATE INDEX outbox_aggregate_seq_idx ON outbox (aggregateid, seq);
