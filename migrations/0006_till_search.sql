-- Word-prefix search for the till, instant at 300,000 products per tenant.
--
-- Under row-level security a condition that is not LEAKPROOF (LIKE, lower(),
-- position()) is evaluated only after the tenant policy, so it can never drive
-- an index: a substring search reads every one of the tenant's index entries.
-- Text comparisons (`>=`, `<`) are leakproof. So every word of a product's
-- name, and its SKU, is kept lower-cased in `product_search_terms`, and a
-- keystroke becomes a range scan `term >= 'cola' AND term < 'cola' || U+10FFFF`
-- over the tenant's own entries, in term order, stopping at the first few
-- matches. The "C" collation makes that range exactly "starts with".
--
-- The table is derived from `products` by a trigger that runs as whoever
-- writes the product (the tenant role, under the same policy), so it can never
-- hold a term for another tenant's product.

-- An exact SKU, typed in any case, is one index lookup.
CREATE INDEX products_tenant_sku_search ON products (tenant_id, sku_search);

CREATE TABLE product_search_terms (
    tenant_id  uuid NOT NULL REFERENCES tenants (id),
    term       text COLLATE "C" NOT NULL CHECK (length(term) BETWEEN 1 AND 64),
    product_id uuid NOT NULL,
    PRIMARY KEY (tenant_id, term, product_id),
    FOREIGN KEY (tenant_id, product_id) REFERENCES products (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX product_search_terms_product ON product_search_terms (tenant_id, product_id);

-- The words of a name (runs of letters and digits), lower-cased, plus the SKU.
CREATE FUNCTION product_search_terms_of(name text, sku text) RETURNS SETOF text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT DISTINCT left(w, 64)
    FROM regexp_split_to_table(lower(name), '[^[:alnum:]]+') AS w
    WHERE w <> ''
    UNION
    SELECT left(lower(sku), 64) WHERE sku <> ''
$$;

CREATE FUNCTION product_search_terms_sync() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF NEW.name IS NOT DISTINCT FROM OLD.name AND NEW.sku IS NOT DISTINCT FROM OLD.sku THEN
            RETURN NULL;
        END IF;
        DELETE FROM product_search_terms WHERE tenant_id = OLD.tenant_id AND product_id = OLD.id;
    END IF;
    INSERT INTO product_search_terms (tenant_id, term, product_id)
    SELECT NEW.tenant_id, t, NEW.id FROM product_search_terms_of(NEW.name, NEW.sku) AS t;
    RETURN NULL;
END
$$;

CREATE TRIGGER products_search_terms AFTER INSERT OR UPDATE OF name, sku ON products
    FOR EACH ROW EXECUTE FUNCTION product_search_terms_sync();

-- Terms for the products that exist already. The owner running this migration
-- is held to the tenant policy too (FORCE), so it is lifted on `products` for
-- the length of this one statement, inside the migration's transaction.
ALTER TABLE products NO FORCE ROW LEVEL SECURITY;
INSERT INTO product_search_terms (tenant_id, term, product_id)
SELECT p.tenant_id, t, p.id FROM products p, product_search_terms_of(p.name, p.sku) AS t;
ALTER TABLE products FORCE ROW LEVEL SECURITY;

ALTER TABLE product_search_terms ENABLE ROW LEVEL SECURITY;
ALTER TABLE product_search_terms FORCE ROW LEVEL SECURITY;
CREATE POLICY product_search_terms_tenant_isolation ON product_search_terms
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
GRANT SELECT, INSERT, DELETE ON product_search_terms TO shopfloor_tenant;

