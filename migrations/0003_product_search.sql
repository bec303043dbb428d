-- Search that stays fast under row-level security.
--
-- With RLS, PostgreSQL evaluates the tenant policy before any user condition
-- that is not LEAKPROOF (LIKE and lower() are not), so such conditions cannot
-- drive an index: they filter the tenant's rows instead. We make that filter
-- cheap: lower-cased copies of name and SKU are stored (generated columns), and
-- one index per tenant carries everything a search reads, so listing and
-- counting are index-only scans over the tenant's own entries, in name order.
ALTER TABLE products
    ADD COLUMN name_search text GENERATED ALWAYS AS (lower(name)) STORED,
    ADD COLUMN sku_search text GENERATED ALWAYS AS (lower(sku)) STORED;

CREATE INDEX products_tenant_search ON products (tenant_id, name_search, id)
    INCLUDE (sku_search, barcode, is_active, on_hand, reorder_level, category_id, supplier_id);

-- Superseded by the index above.
DROP INDEX products_tenant_name_prefix;
DROP INDEX products_tenant_sku_lower;
DROP INDEX products_name_trgm;
