-- The local catalog for the benchmarks: ten SKUs with stock that no run can
-- exhaust, so no create answers 409 and both sides do the same work.
INSERT INTO inventory (item_id, name, price_cents, available_qty)
SELECT 'sku-' || g, 'Item ' || g, 1000 * g, 1000000000000
FROM generate_series(1, 10) AS g
ON CONFLICT (item_id) DO UPDATE SET available_qty = excluded.available_qty;
-- The 1,000 items of the canonical order (DESIGN §11), the same names and
-- prices as order-sim's catalog serves them.
INSERT INTO inventory (item_id, name, price_cents, available_qty)
SELECT 'item-' || g, 'Bench item ' || g, 100 + g, 1000000000000
FROM generate_series(1, 1000) AS g
ON CONFLICT (item_id) DO UPDATE SET available_qty = excluded.available_qty;
