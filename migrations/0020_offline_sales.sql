-- Offline sales (issue #15): a till keeps selling when the network drops and
-- syncs every sale exactly once when it comes back.
--
-- * Tills get a short code per business (`T1`, `T2`, …), gapless from 1 in
--   creation order; the till prints it in front of its provisional receipt
--   numbers (`T2-000123`).
-- * A bill synced from a till keeps its provisional number, its till and the
--   till's own sequence (so the last one a till used is an index lookup), and
--   when the till rang it up (`offline_sold_at`). They are written when the bill
--   is finalized, like every other column, and never change after.
-- * A new stock movement, `shortfall`: units an offline sale sold that were no
--   longer in stock when it synced. It brings the stock up to what the sale
--   takes (the goods left the shop), so stock never goes below zero and the
--   ledger still accounts for every unit; it always refers to its bill, and
--   the books post it like an adjustment (against shrinkage).
-- * The document chain (0017) covers a synced bill's provisional number, till,
--   sequence and sale time (other documents' content is unchanged).
-- * `products.updated_at` moves whenever anything a till caches changes
--   (name, SKU, barcode, price, tax, stock, archived), whoever changes it, so
--   the catalog sync can ask for the changes since a cursor.

-- Till codes. The owner running this migration is held to the tenant policy
-- (FORCE): lifted for the backfill only, inside the migration's transaction.
ALTER TABLE tills ADD COLUMN code integer;
ALTER TABLE tills NO FORCE ROW LEVEL SECURITY;
UPDATE tills t SET code = n.code
  FROM (SELECT tenant_id, id, row_number() OVER (PARTITION BY tenant_id ORDER BY created_at, id) AS code
          FROM tills) n
 WHERE n.tenant_id = t.tenant_id AND n.id = t.id;
ALTER TABLE tills FORCE ROW LEVEL SECURITY;
ALTER TABLE tills ALTER COLUMN code SET NOT NULL;
ALTER TABLE tills ADD CONSTRAINT tills_code_positive CHECK (code >= 1);
ALTER TABLE tills ADD CONSTRAINT tills_tenant_code_key UNIQUE (tenant_id, code);

-- A new till takes the business's next code. Till creation in a business is
-- serialized by a transaction-level advisory lock on the business, so two
-- tills made at once cannot take the same code (nor leave a gap: a rolled
-- back creation gives its code back). Runs as the writer, under its
-- row-level security: it sees only its own business's tills.
CREATE FUNCTION tills_take_code() RETURNS trigger
    LANGUAGE plpgsql SET search_path = public, pg_catalog AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended('shopfloor.tills.code:' || NEW.tenant_id::text, 0));
    SELECT coalesce(max(code), 0) + 1 INTO NEW.code FROM tills WHERE tenant_id = NEW.tenant_id;
    RETURN NEW;
END
$$;
REVOKE EXECUTE ON FUNCTION tills_take_code() FROM PUBLIC;
CREATE TRIGGER tills_take_code BEFORE INSERT ON tills
    FOR EACH ROW EXECUTE FUNCTION tills_take_code();

-- A till's code is for good (it is printed on receipts).
CREATE FUNCTION tills_keep_code() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN
    RAISE EXCEPTION 'a till keeps its code' USING ERRCODE = 'check_violation', CONSTRAINT = 'tills_code_fixed';
END
$$;
REVOKE EXECUTE ON FUNCTION tills_keep_code() FROM PUBLIC;
CREATE TRIGGER tills_keep_code BEFORE UPDATE OF code ON tills
    FOR EACH ROW WHEN (OLD.code IS DISTINCT FROM NEW.code) EXECUTE FUNCTION tills_keep_code();

-- Bills synced from a till.
ALTER TABLE bills
    ADD COLUMN provisional_number text CHECK (provisional_number ~ '^T[0-9]{1,9}-[0-9]{1,18}$'),
    ADD COLUMN till_id uuid,
    ADD COLUMN till_seq bigint CHECK (till_seq >= 1),
    ADD COLUMN offline_sold_at timestamptz,
    ADD CONSTRAINT bills_till_fkey FOREIGN KEY (tenant_id, till_id) REFERENCES tills (tenant_id, id),
    ADD CONSTRAINT bills_offline_whole CHECK (
        (provisional_number IS NULL AND till_seq IS NULL AND offline_sold_at IS NULL)
        OR (provisional_number IS NOT NULL AND offline_sold_at IS NOT NULL
            AND (till_id IS NULL) = (till_seq IS NULL))
    );
-- The last provisional number a till used: one index probe.
CREATE INDEX bills_tenant_till_seq ON bills (tenant_id, till_id, till_seq DESC) WHERE till_seq IS NOT NULL;

-- The shortfall movement.
ALTER TABLE stock_movements DROP CONSTRAINT stock_movements_kind_check;
ALTER TABLE stock_movements ADD CONSTRAINT stock_movements_kind_check
    CHECK (kind IN ('initial', 'restock', 'sale', 'return', 'adjustment', 'count', 'receipt', 'shortfall'));
ALTER TABLE stock_movements DROP CONSTRAINT stock_movements_sign;
ALTER TABLE stock_movements ADD CONSTRAINT stock_movements_sign CHECK (
    (kind = 'initial' AND quantity >= 0) OR
    (kind = 'restock' AND quantity > 0) OR
    (kind = 'sale' AND quantity < 0) OR
    (kind = 'return' AND quantity > 0) OR
    (kind = 'adjustment' AND quantity <> 0) OR
    (kind = 'count') OR
    (kind = 'receipt' AND quantity > 0 AND unit_cost IS NOT NULL) OR
    (kind = 'shortfall' AND quantity > 0 AND reference_type = 'bill' AND reference_id IS NOT NULL)
);

-- The books: a shortfall is posted like an adjustment, against shrinkage.
CREATE OR REPLACE FUNCTION books_post_stock_movement() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
DECLARE
    value bigint;
    against text := CASE WHEN NEW.kind IN ('adjustment', 'count', 'shortfall') THEN 'shrinkage' ELSE 'opening' END;
    owed bigint;
BEGIN
    SELECT NEW.quantity * cost_price INTO value
      FROM products WHERE tenant_id = NEW.tenant_id AND id = NEW.product_id;
    IF NEW.kind = 'receipt' THEN
        owed := NEW.quantity * NEW.unit_cost;
        PERFORM books_post(NEW.tenant_id, books_day(NEW.tenant_id, NEW.created_at), 'purchase_receipt',
            NEW.reference_id, 'Received' || coalesce(': ' || NEW.reason, ''),
            ARRAY['inventory', 'payable', 'revaluation'],
            ARRAY[value, 0, owed - value]::bigint[], ARRAY[0, owed, 0]::bigint[]);
        RETURN NULL;
    END IF;
    PERFORM books_post(NEW.tenant_id, books_day(NEW.tenant_id, NEW.created_at), 'stock', NEW.id::text,
        initcap(NEW.kind) || coalesce(': ' || NEW.reason, ''),
        ARRAY['inventory', against], ARRAY[value, 0]::bigint[], ARRAY[0, value]::bigint[]);
    RETURN NULL;
END
$$;

-- The audit also lists a shortfall that no sale of its bill accounts for
-- (a shortfall only ever tops up what its bill's sale then takes).
CREATE OR REPLACE FUNCTION inventory_violations()
    RETURNS TABLE (tenant_id uuid, product_id uuid, sku text, on_hand bigint, ledger_sum bigint)
    LANGUAGE sql STABLE SECURITY INVOKER SET search_path = public, pg_catalog AS $$
    SELECT p.tenant_id, p.id, p.sku, p.on_hand, coalesce(m.total, 0)::bigint
      FROM products p
      LEFT JOIN (SELECT s.tenant_id, s.product_id, sum(s.quantity) AS total
                   FROM stock_movements s GROUP BY s.tenant_id, s.product_id) m
        ON m.tenant_id = p.tenant_id AND m.product_id = p.id
     WHERE p.on_hand <> coalesce(m.total, 0) OR p.ledger_sum <> coalesce(m.total, 0)
    UNION ALL
    SELECT p.tenant_id, p.id, p.sku, p.on_hand, p.ledger_sum
      FROM stock_movements f
      JOIN products p ON p.tenant_id = f.tenant_id AND p.id = f.product_id
     WHERE f.kind = 'shortfall'
       AND NOT EXISTS (SELECT 1 FROM stock_movements s
                        WHERE s.tenant_id = f.tenant_id AND s.product_id = f.product_id AND s.kind = 'sale'
                          AND s.reference_type = 'bill' AND s.reference_id = f.reference_id
                          AND -s.quantity >= f.quantity)
$$;

-- An offline sale's stock, in one round trip: per product (in product-id
-- order, like `sell_stock`), the missing units first as a `shortfall`
-- movement, then the sale. Never refuses for stock: the goods have left. An
-- archived product still takes its sale (it was sold before it was archived,
-- or the till did not know yet). Returns each product's shortfall and what
-- is left; a product that is not there (row-level security: another
-- business's) comes back with NULLs for the caller to refuse (and roll back).
CREATE FUNCTION sell_stock_offline(
    wanted_products uuid[],
    wanted_quantities bigint[],
    sale_ids uuid[],
    shortfall_ids uuid[],
    ref_type text,
    ref_id text,
    actor uuid
)
    RETURNS TABLE (product_id uuid, shortfall bigint, on_hand bigint)
    LANGUAGE plpgsql SET search_path = public, pg_catalog AS $$
#variable_conflict use_column
DECLARE
    wanted record;
    before bigint;
    missing bigint;
BEGIN
    FOR wanted IN
        SELECT w.id, w.quantity, w.sale, w.short
          FROM unnest(wanted_products, wanted_quantities, sale_ids, shortfall_ids) AS w(id, quantity, sale, short)
         ORDER BY w.id
    LOOP
        SELECT p.on_hand INTO before FROM products p WHERE p.id = wanted.id FOR UPDATE;
        product_id := wanted.id;
        IF before IS NULL THEN
            shortfall := NULL;
            on_hand := NULL;
            RETURN NEXT;
            RETURN;
        END IF;
        missing := greatest(wanted.quantity - before, 0);
        IF missing > 0 THEN
            UPDATE products p SET on_hand = p.on_hand + missing WHERE p.id = wanted.id;
            INSERT INTO stock_movements
                (tenant_id, id, product_id, kind, quantity, balance_after, reference_type, reference_id, reason,
                 actor_user_id)
            VALUES (current_setting('app.tenant_id')::uuid, wanted.short, wanted.id, 'shortfall', missing,
                    before + missing, ref_type, ref_id, 'Sold offline while out of stock', actor);
        END IF;
        UPDATE products p SET on_hand = p.on_hand - wanted.quantity WHERE p.id = wanted.id;
        INSERT INTO stock_movements
            (tenant_id, id, product_id, kind, quantity, balance_after, reference_type, reference_id, actor_user_id)
        VALUES (current_setting('app.tenant_id')::uuid, wanted.sale, wanted.id, 'sale', -wanted.quantity,
                before + missing - wanted.quantity, ref_type, ref_id, actor);
        shortfall := missing;
        on_hand := before + missing - wanted.quantity;
        RETURN NEXT;
    END LOOP;
END
$$;
REVOKE EXECUTE ON FUNCTION sell_stock_offline(uuid[], bigint[], uuid[], uuid[], text, text, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION sell_stock_offline(uuid[], bigint[], uuid[], uuid[], text, text, uuid) TO shopfloor_tenant;

-- What a till caches changes `updated_at`, whoever changes it (a sale, a
-- receipt, an edit, an archive); a tax rate's new rate touches its products.
CREATE FUNCTION products_touch() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END
$$;
REVOKE EXECUTE ON FUNCTION products_touch() FROM PUBLIC;
CREATE TRIGGER products_touch BEFORE UPDATE ON products
    FOR EACH ROW WHEN (
        OLD.name IS DISTINCT FROM NEW.name OR OLD.sku IS DISTINCT FROM NEW.sku
        OR OLD.barcode IS DISTINCT FROM NEW.barcode OR OLD.sale_price IS DISTINCT FROM NEW.sale_price
        OR OLD.tax_rate_id IS DISTINCT FROM NEW.tax_rate_id OR OLD.on_hand IS DISTINCT FROM NEW.on_hand
        OR OLD.is_active IS DISTINCT FROM NEW.is_active)
    EXECUTE FUNCTION products_touch();

CREATE FUNCTION tax_rates_touch_products() RETURNS trigger
    LANGUAGE plpgsql SET search_path = public, pg_catalog AS $$
BEGIN
    UPDATE products SET updated_at = now() WHERE tenant_id = NEW.tenant_id AND tax_rate_id = NEW.id;
    RETURN NULL;
END
$$;
REVOKE EXECUTE ON FUNCTION tax_rates_touch_products() FROM PUBLIC;
CREATE TRIGGER tax_rates_touch_products AFTER UPDATE OF rate_bp ON tax_rates
    FOR EACH ROW WHEN (OLD.rate_bp IS DISTINCT FROM NEW.rate_bp)
    EXECUTE FUNCTION tax_rates_touch_products();

-- The catalog sync's changes since a cursor: a range scan.
CREATE INDEX products_tenant_updated ON products (tenant_id, updated_at);

-- The document chain covers what a synced bill says about its offline sale
-- (its provisional number, till, sequence and when it was rung up). Only for
-- such bills: every other document's content, and so every existing link,
-- stays exactly as it was.
CREATE OR REPLACE FUNCTION chain_document_content(p_kind text, p_tenant uuid, p_id uuid) RETURNS text
    LANGUAGE sql STABLE SET search_path = pg_catalog, public AS $$
    SELECT CASE p_kind
    WHEN 'bill' THEN (
        SELECT (jsonb_build_object(
            'kind', 'bill', 'id', b.id, 'number', b.number,
            'finalized_at', chain_instant(b.finalized_at),
            'cashier_id', b.cashier_id, 'customer_id', b.customer_id,
            'currency', b.currency, 'tax_mode', b.tax_mode,
            'gross', b.gross, 'discount', b.discount, 'bill_discount', b.bill_discount,
            'net', b.net, 'tax', b.tax, 'total', b.total, 'paid', b.paid, 'change', b.change_given,
            'lines', (SELECT coalesce(jsonb_agg(jsonb_build_object(
                          'line_no', l.line_no, 'product_id', l.product_id, 'sku', l.sku, 'name', l.name,
                          'unit_price', l.unit_price, 'tax_rate_bp', l.tax_rate_bp, 'quantity', l.quantity,
                          'line_discount', l.line_discount, 'bill_discount', l.bill_discount,
                          'net', l.net, 'tax', l.tax, 'total', l.total) ORDER BY l.line_no), '[]')
                        FROM bill_lines l WHERE l.tenant_id = b.tenant_id AND l.bill_id = b.id),
            'payments', (SELECT coalesce(jsonb_agg(jsonb_build_object(
                             'seq', p.seq, 'method', p.method, 'amount', p.amount,
                             'tendered', p.tendered, 'change', p.change) ORDER BY p.seq), '[]')
                           FROM payments p WHERE p.tenant_id = b.tenant_id AND p.bill_id = b.id)
        ) || CASE WHEN b.provisional_number IS NULL THEN '{}'::jsonb
                  ELSE jsonb_build_object('provisional_number', b.provisional_number, 'till_id', b.till_id,
                                          'till_seq', b.till_seq,
                                          'offline_sold_at', chain_instant(b.offline_sold_at)) END)::text
        FROM bills b
        WHERE b.tenant_id = p_tenant AND b.id = p_id AND b.status = 'finalized')
    WHEN 'credit_note' THEN (
        SELECT jsonb_build_object(
            'kind', 'credit_note', 'id', c.id, 'number', c.number, 'bill_id', c.bill_id,
            'created_at', chain_instant(c.created_at), 'created_by', c.created_by,
            'reason', c.reason, 'refund_method', c.refund_method, 'restocked', c.restocked,
            'total', c.total, 'tax', c.tax,
            'lines', (SELECT coalesce(jsonb_agg(jsonb_build_object(
                          'line_no', l.line_no, 'quantity', l.quantity, 'total', l.total, 'tax', l.tax)
                          ORDER BY l.line_no), '[]')
                        FROM credit_note_lines l WHERE l.tenant_id = c.tenant_id AND l.credit_note_id = c.id)
        )::text
        FROM credit_notes c
        WHERE c.tenant_id = p_tenant AND c.id = p_id)
    WHEN 'z_report' THEN (
        SELECT jsonb_build_object(
            'kind', 'z_report', 'id', s.id, 'z_number', s.z_number, 'till_id', s.till_id,
            'cashier_id', s.cashier_id, 'opened_at', chain_instant(s.opened_at),
            'opening_float', s.opening_float,
            'closed_at', chain_instant(s.closed_at), 'closed_by', s.closed_by,
            'bills', s.bills, 'sales_total', s.sales_total, 'refunds_total', s.refunds_total,
            'change_given', s.change_given, 'cash_in', s.cash_in, 'cash_out', s.cash_out,
            'expected_cash', s.expected_cash, 'counted_cash', s.counted_cash,
            'expected_total', s.expected_total, 'counted_total', s.counted_total,
            'counts', (SELECT coalesce(jsonb_agg(jsonb_build_object(
                           'method', c.method, 'expected', c.expected, 'counted', c.counted,
                           'difference', c.difference) ORDER BY c.method), '[]')
                         FROM shift_counts c WHERE c.tenant_id = s.tenant_id AND c.shift_id = s.id),
            'cash', (SELECT coalesce(jsonb_agg(jsonb_build_object(
                         'seq', m.seq, 'kind', m.kind, 'amount', m.amount, 'reason', m.reason,
                         'actor_id', m.actor_id, 'at', chain_instant(m.at)) ORDER BY m.seq), '[]')
                       FROM shift_cash m WHERE m.tenant_id = s.tenant_id AND m.shift_id = s.id)
        )::text
        FROM shifts s
        WHERE s.tenant_id = p_tenant AND s.id = p_id AND s.status = 'closed')
    END
$$;
