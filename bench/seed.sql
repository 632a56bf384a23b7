-- The local catalog for the benchmarks: ten SKUs with stock that no run can
-- exhaust, so no create answers 409 and both sides do the same work.
INSERT INTO inventory (item_id, name, price_cents, available_qty)
SELECT 'sku-' || g, 'Item ' || g, 1000 * g, 1000000000000
FROM generate_series(1, 10) AS g
ON CONFLICT (item_id) DO UPDATE SET available_qty = excluded.available_qty;
