-- Catalog and inventory: categories, tax rates, suppliers, products, and the
-- append-only stock ledger that accounts for every unit.
--
-- Invariants guarded here (the domain layer enforces them first):
-- * on_hand >= 0 (CHECK), and a sale decrements with a conditional UPDATE;
-- * on_hand always equals the sum of the product's ledger movements, checked at
--   commit by a deferred constraint trigger, so stock cannot change without its
--   ledger row in the same transaction;
-- * the ledger is append-only (no UPDATE/DELETE grant, and a trigger for everyone);
-- * nothing is deleted: rows are archived with is_active = false.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE categories (
    tenant_id  uuid NOT NULL REFERENCES tenants (id),
    id         uuid NOT NULL,
    name       text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 80),
    is_active  boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX categories_tenant_name_key ON categories (tenant_id, lower(name)) WHERE is_active;

CREATE TABLE suppliers (
    tenant_id  uuid NOT NULL REFERENCES tenants (id),
    id         uuid NOT NULL,
    name       text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 120),
    contact    text NOT NULL DEFAULT '' CHECK (length(contact) <= 200),
    notes      text NOT NULL DEFAULT '' CHECK (length(notes) <= 2000),
    is_active  boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX suppliers_tenant_name_key ON suppliers (tenant_id, lower(name)) WHERE is_active;

-- Rates in basis points: 2000 = 20.00 %.
CREATE TABLE tax_rates (
    tenant_id  uuid NOT NULL REFERENCES tenants (id),
    id         uuid NOT NULL,
    name       text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 80),
    rate_bp    integer NOT NULL CHECK (rate_bp BETWEEN 0 AND 10000),
    is_default boolean NOT NULL DEFAULT false,
    is_active  boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX tax_rates_tenant_name_key ON tax_rates (tenant_id, lower(name)) WHERE is_active;
CREATE UNIQUE INDEX tax_rates_one_default ON tax_rates (tenant_id) WHERE is_default AND is_active;

-- Prices in integer minor units of the tenant's currency. The SKU is unique per
-- tenant for good (archived products keep theirs, so the ledger and CSV upserts by
-- SKU stay unambiguous); a barcode is unique among active products only, so an
-- archived product's barcode may be reused by a new one.
CREATE TABLE products (
    tenant_id     uuid NOT NULL REFERENCES tenants (id),
    id            uuid NOT NULL,
    sku           text NOT NULL CHECK (sku ~ '^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$'),
    barcode       text CHECK (barcode ~ '^[A-Za-z0-9-]{4,64}$'),
    name          text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    description   text NOT NULL DEFAULT '' CHECK (length(description) <= 4000),
    category_id   uuid,
    supplier_id   uuid,
    tax_rate_id   uuid,
    unit          text NOT NULL DEFAULT 'each' CHECK (length(btrim(unit)) BETWEEN 1 AND 20),
    sale_price    bigint NOT NULL CHECK (sale_price BETWEEN 0 AND 100000000000),
    cost_price    bigint NOT NULL DEFAULT 0 CHECK (cost_price BETWEEN 0 AND 100000000000),
    reorder_level bigint NOT NULL DEFAULT 0 CHECK (reorder_level BETWEEN 0 AND 1000000000),
    on_hand       bigint NOT NULL DEFAULT 0 CHECK (on_hand >= 0),
    is_active     boolean NOT NULL DEFAULT true,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT products_tenant_sku_key UNIQUE (tenant_id, sku),
    FOREIGN KEY (tenant_id, category_id) REFERENCES categories (tenant_id, id),
    FOREIGN KEY (tenant_id, supplier_id) REFERENCES suppliers (tenant_id, id),
    FOREIGN KEY (tenant_id, tax_rate_id) REFERENCES tax_rates (tenant_id, id)
);
CREATE UNIQUE INDEX products_tenant_barcode_key ON products (tenant_id, barcode)
    WHERE is_active AND barcode IS NOT NULL;
CREATE INDEX products_tenant_name_prefix ON products (tenant_id, lower(name) text_pattern_ops);
CREATE INDEX products_name_trgm ON products USING gin (lower(name) gin_trgm_ops);
CREATE INDEX products_tenant_sku_lower ON products (tenant_id, lower(sku) text_pattern_ops);

-- The stock ledger. `quantity` is signed; `balance_after` is on_hand right after
-- the movement (the running balance the product page shows).
CREATE TABLE stock_movements (
    tenant_id      uuid NOT NULL REFERENCES tenants (id),
    id             uuid NOT NULL,
    product_id     uuid NOT NULL,
    kind           text NOT NULL CHECK (kind IN ('initial', 'restock', 'sale', 'return', 'adjustment', 'count')),
    quantity       bigint NOT NULL,
    balance_after  bigint NOT NULL CHECK (balance_after >= 0),
    reference_type text CHECK (reference_type IN ('bill', 'credit_note', 'restock', 'count', 'import')),
    reference_id   text CHECK (length(reference_id) <= 100),
    reason         text CHECK (length(reason) <= 500),
    actor_user_id  uuid REFERENCES users (id),
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, product_id) REFERENCES products (tenant_id, id),
    CONSTRAINT stock_movements_sign CHECK (
        (kind = 'initial' AND quantity >= 0) OR
        (kind = 'restock' AND quantity > 0) OR
        (kind = 'sale' AND quantity < 0) OR
        (kind = 'return' AND quantity > 0) OR
        (kind = 'adjustment' AND quantity <> 0) OR
        (kind = 'count')
    ),
    CONSTRAINT stock_movements_adjustment_reason CHECK (
        kind <> 'adjustment' OR length(btrim(coalesce(reason, ''))) > 0
    )
);
CREATE INDEX stock_movements_product_idx ON stock_movements (tenant_id, product_id, created_at, id);

CREATE FUNCTION stock_movements_refuse_change() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN
    RAISE EXCEPTION 'stock_movements is append-only' USING ERRCODE = 'insufficient_privilege';
END
$$;
REVOKE EXECUTE ON FUNCTION stock_movements_refuse_change() FROM PUBLIC;
CREATE TRIGGER stock_movements_append_only
    BEFORE UPDATE OR DELETE ON stock_movements
    FOR EACH ROW EXECUTE FUNCTION stock_movements_refuse_change();
CREATE TRIGGER stock_movements_no_truncate
    BEFORE TRUNCATE ON stock_movements
    FOR EACH STATEMENT EXECUTE FUNCTION stock_movements_refuse_change();

-- At commit, every product whose stock changed must match its ledger. The row is
-- read again because a deferred event carries the row as it was at that update.
CREATE FUNCTION products_check_ledger() RETURNS trigger
    LANGUAGE plpgsql SET search_path = public, pg_catalog AS $$
DECLARE
    current_on_hand bigint;
    ledger bigint;
BEGIN
    SELECT on_hand INTO current_on_hand FROM products WHERE tenant_id = NEW.tenant_id AND id = NEW.id;
    SELECT coalesce(sum(quantity), 0) INTO ledger
      FROM stock_movements WHERE tenant_id = NEW.tenant_id AND product_id = NEW.id;
    IF current_on_hand IS DISTINCT FROM ledger THEN
        RAISE EXCEPTION 'stock of product % is % but its ledger sums to %', NEW.id, current_on_hand, ledger
            USING ERRCODE = 'check_violation', CONSTRAINT = 'products_on_hand_matches_ledger';
    END IF;
    RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER products_on_hand_matches_ledger
    AFTER INSERT OR UPDATE OF on_hand ON products
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION products_check_ledger();

-- Every product whose on_hand differs from the sum of its movements. Runs with
-- the caller's rights: a tenant sees its own products, the owner role all. It
-- must always return nothing.
CREATE FUNCTION inventory_violations()
    RETURNS TABLE (tenant_id uuid, product_id uuid, sku text, on_hand bigint, ledger_sum bigint)
    LANGUAGE sql STABLE SECURITY INVOKER SET search_path = public, pg_catalog AS $$
    SELECT p.tenant_id, p.id, p.sku, p.on_hand, coalesce(m.total, 0)::bigint
      FROM products p
      LEFT JOIN (SELECT s.tenant_id, s.product_id, sum(s.quantity) AS total
                   FROM stock_movements s GROUP BY s.tenant_id, s.product_id) m
        ON m.tenant_id = p.tenant_id AND m.product_id = p.id
     WHERE p.on_hand <> coalesce(m.total, 0)
$$;

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['categories', 'suppliers', 'tax_rates', 'products', 'stock_movements'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format(
            'CREATE POLICY %I ON %I USING (tenant_id = NULLIF(current_setting(''app.tenant_id'', true), '''')::uuid) '
            'WITH CHECK (tenant_id = NULLIF(current_setting(''app.tenant_id'', true), '''')::uuid)',
            t || '_tenant_isolation', t);
    END LOOP;
END
$$;

GRANT SELECT, INSERT, UPDATE ON categories, suppliers, tax_rates, products TO shopfloor_tenant;
GRANT SELECT, INSERT ON stock_movements TO shopfloor_tenant;
GRANT EXECUTE ON FUNCTION inventory_violations() TO shopfloor_tenant;
