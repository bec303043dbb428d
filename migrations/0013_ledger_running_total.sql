-- The ledger check at commit in O(1).
--
-- Before: the deferred check on `products` summed the product's whole movement
-- history at every commit that changed its stock, while the sale held the
-- product's row lock: a product sold for years paid for all of its history on
-- every sale. Now every movement adds its quantity to `products.ledger_sum` as
-- it is written (same transaction, same row the sale has locked anyway), and
-- the check compares two numbers of one row.
--
-- The running total is the database's own: only the movement trigger may
-- change it (a direct UPDATE of `ledger_sum` is refused), and
-- `inventory_violations()` still sums the full history, so an audit compares
-- all three: on_hand, the running total and the movements.

ALTER TABLE products ADD COLUMN ledger_sum bigint NOT NULL DEFAULT 0;

-- The owner running this migration is held to the tenant policy (FORCE): lift
-- it for the backfill only, inside the migration's transaction.
ALTER TABLE products NO FORCE ROW LEVEL SECURITY;
UPDATE products p
   SET ledger_sum = m.total
  FROM (SELECT tenant_id, product_id, sum(quantity)::bigint AS total
          FROM stock_movements GROUP BY tenant_id, product_id) m
 WHERE m.tenant_id = p.tenant_id AND m.product_id = p.id;
ALTER TABLE products FORCE ROW LEVEL SECURITY;

-- Each movement moves the running total of its product (as the writer, under
-- the writer's row-level security: a movement only reaches its own tenant's
-- product).
CREATE FUNCTION stock_movements_add_to_ledger() RETURNS trigger
    LANGUAGE plpgsql SET search_path = public, pg_catalog AS $$
BEGIN
    UPDATE products SET ledger_sum = ledger_sum + NEW.quantity
     WHERE tenant_id = NEW.tenant_id AND id = NEW.product_id;
    RETURN NULL;
END
$$;
CREATE TRIGGER stock_movements_add_to_ledger
    AFTER INSERT ON stock_movements
    FOR EACH ROW EXECUTE FUNCTION stock_movements_add_to_ledger();

-- Only that trigger changes the running total: an UPDATE issued by a client
-- runs at trigger depth 1, the movement trigger's own at depth 2.
CREATE FUNCTION products_guard_ledger_sum() RETURNS trigger
    LANGUAGE plpgsql SET search_path = public, pg_catalog AS $$
BEGIN
    IF NEW.ledger_sum IS DISTINCT FROM OLD.ledger_sum AND pg_trigger_depth() < 2 THEN
        RAISE EXCEPTION 'the ledger total of product % moves only with a stock movement', OLD.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'products_ledger_sum_by_movements';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER products_guard_ledger_sum
    BEFORE UPDATE OF ledger_sum ON products
    FOR EACH ROW EXECUTE FUNCTION products_guard_ledger_sum();

-- A new product starts with a zero running total; its opening stock arrives as
-- a movement like any other.
CREATE FUNCTION products_ledger_starts_at_zero() RETURNS trigger
    LANGUAGE plpgsql SET search_path = public, pg_catalog AS $$
BEGIN
    NEW.ledger_sum := 0;
    RETURN NEW;
END
$$;
CREATE TRIGGER products_ledger_starts_at_zero
    BEFORE INSERT ON products
    FOR EACH ROW EXECUTE FUNCTION products_ledger_starts_at_zero();

-- The commit check: on_hand equals the running total (O(1), same row).
CREATE OR REPLACE FUNCTION products_check_ledger() RETURNS trigger
    LANGUAGE plpgsql SET search_path = public, pg_catalog AS $$
DECLARE
    current_on_hand bigint;
    running bigint;
BEGIN
    SELECT on_hand, ledger_sum INTO current_on_hand, running
      FROM products WHERE tenant_id = NEW.tenant_id AND id = NEW.id;
    IF current_on_hand IS DISTINCT FROM running THEN
        RAISE EXCEPTION 'stock of product % is % but its ledger sums to %', NEW.id, current_on_hand, running
            USING ERRCODE = 'check_violation', CONSTRAINT = 'products_on_hand_matches_ledger';
    END IF;
    RETURN NULL;
END
$$;

-- The audit: on_hand, the running total and the full history must agree.
CREATE OR REPLACE FUNCTION inventory_violations()
    RETURNS TABLE (tenant_id uuid, product_id uuid, sku text, on_hand bigint, ledger_sum bigint)
    LANGUAGE sql STABLE SECURITY INVOKER SET search_path = public, pg_catalog AS $$
    SELECT p.tenant_id, p.id, p.sku, p.on_hand, coalesce(m.total, 0)::bigint
      FROM products p
      LEFT JOIN (SELECT s.tenant_id, s.product_id, sum(s.quantity) AS total
                   FROM stock_movements s GROUP BY s.tenant_id, s.product_id) m
        ON m.tenant_id = p.tenant_id AND m.product_id = p.id
     WHERE p.on_hand <> coalesce(m.total, 0) OR p.ledger_sum <> coalesce(m.total, 0)
$$;
