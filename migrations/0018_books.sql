-- The books (issue 13, part A): a chart of accounts per business and a
-- double-entry journal the database posts by itself, in the transaction of the
-- event that causes each entry.
--
-- * `ledger_accounts`: a business's chart, seeded when the business is created
--   (by type). System accounts (`system_key`) are what the postings use: they
--   can be renamed, never removed or deactivated. Owners add their own.
-- * `journal_entries` / `journal_lines`: never updated or deleted (a reversing
--   entry corrects one). At commit every entry must balance (debits = credits,
--   at least two lines) and be dated after the business's lock date. Lines go
--   only into an entry of the same transaction.
-- * Posted automatically (money in integer minor units, like the bills):
--     sale (at commit of the finalizing transaction)
--       Dr cash / card / other   the payments, by method
--       Cr sales                 net of tax
--       Cr tax payable           tax
--       Dr cost of goods sold / Cr inventory   the lines' unit cost × quantity
--     credit note (at commit)
--       Dr sales returns (net), Dr tax payable (tax), Cr the refund's method (total);
--       restocked: Dr inventory / Cr cost of goods sold at the products' cost now
--     shift cash in / out    Dr cash / Cr bank, or the reverse
--     shift close            each method's counted − expected against over/short
--     stock movement         adjustment or count: against shrinkage; opening
--                            stock, restock or import: against opening balances
--                            (sales and returns are posted by their documents)
--     cost price change      on hand × the change, against inventory revaluation
-- * The inventory account therefore always equals the stock on hand at cost
--   (Σ on_hand × cost_price); `accounting_violations()` lists any entry that
--   does not balance and any business where that equality fails.
-- * Businesses that exist before this migration get their chart and one
--   opening entry for the stock they hold; their earlier history is not posted.

ALTER TABLE tenants ADD COLUMN books_lock_date date;
GRANT UPDATE (books_lock_date) ON tenants TO shopfloor_tenant;

CREATE TABLE ledger_accounts (
    tenant_id  uuid NOT NULL REFERENCES tenants (id),
    code       text NOT NULL CHECK (code ~ '^[0-9]{3,6}$'),
    name       text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 80),
    kind       text NOT NULL CHECK (kind IN ('asset', 'liability', 'equity', 'income', 'expense')),
    system_key text CHECK (system_key ~ '^[a-z_]{2,20}$'),
    is_active  boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, code),
    CONSTRAINT ledger_accounts_system_key UNIQUE (tenant_id, system_key),
    CONSTRAINT ledger_accounts_system_stay_active CHECK (system_key IS NULL OR is_active)
);
CREATE UNIQUE INDEX ledger_accounts_tenant_name_key ON ledger_accounts (tenant_id, lower(name));

CREATE TABLE journal_entries (
    tenant_id  uuid NOT NULL REFERENCES tenants (id),
    id         uuid NOT NULL,
    entry_date date NOT NULL,
    posted_at  timestamptz NOT NULL DEFAULT now(),
    source     text NOT NULL CHECK (source IN ('sale', 'credit_note', 'shift_cash', 'shift_close', 'stock',
                                              'cost_change', 'opening', 'manual', 'reversal')),
    source_id  text CHECK (length(source_id) <= 100),
    memo       text NOT NULL CHECK (length(memo) <= 300),
    reverses   uuid,
    posted_by  uuid REFERENCES users (id),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, reverses) REFERENCES journal_entries (tenant_id, id),
    CONSTRAINT journal_entries_reversal CHECK ((source = 'reversal') = (reverses IS NOT NULL))
);
CREATE INDEX journal_entries_tenant_date ON journal_entries (tenant_id, entry_date, posted_at, id);
CREATE INDEX journal_entries_tenant_source ON journal_entries (tenant_id, source, source_id);
CREATE UNIQUE INDEX journal_entries_reversed_once ON journal_entries (tenant_id, reverses)
    WHERE reverses IS NOT NULL;

CREATE TABLE journal_lines (
    tenant_id    uuid NOT NULL REFERENCES tenants (id),
    entry_id     uuid NOT NULL,
    line_no      integer NOT NULL CHECK (line_no > 0),
    account_code text NOT NULL,
    debit        bigint NOT NULL DEFAULT 0 CHECK (debit BETWEEN 0 AND 100000000000000),
    credit       bigint NOT NULL DEFAULT 0 CHECK (credit BETWEEN 0 AND 100000000000000),
    PRIMARY KEY (tenant_id, entry_id, line_no),
    FOREIGN KEY (tenant_id, entry_id) REFERENCES journal_entries (tenant_id, id),
    FOREIGN KEY (tenant_id, account_code) REFERENCES ledger_accounts (tenant_id, code),
    CONSTRAINT journal_lines_one_side CHECK ((debit > 0) <> (credit > 0))
);
CREATE INDEX journal_lines_tenant_account ON journal_lines (tenant_id, account_code);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['ledger_accounts', 'journal_entries', 'journal_lines'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format(
            'CREATE POLICY %I ON %I USING (tenant_id = NULLIF(current_setting(''app.tenant_id'', true), '''')::uuid) '
            'WITH CHECK (tenant_id = NULLIF(current_setting(''app.tenant_id'', true), '''')::uuid)',
            t || '_tenant_isolation', t);
    END LOOP;
    PERFORM set_config('app.tenant_id', '', true);
END
$$;
GRANT SELECT, INSERT ON ledger_accounts TO shopfloor_tenant;
GRANT UPDATE (name, is_active) ON ledger_accounts TO shopfloor_tenant;
GRANT SELECT, INSERT ON journal_entries, journal_lines TO shopfloor_tenant;

-- The journal only grows.
CREATE FUNCTION journal_refuse_change() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN
    RAISE EXCEPTION 'the journal only grows: post a reversing entry instead' USING ERRCODE = 'insufficient_privilege';
END
$$;
REVOKE EXECUTE ON FUNCTION journal_refuse_change() FROM PUBLIC;
CREATE TRIGGER journal_entries_immutable BEFORE UPDATE OR DELETE ON journal_entries
    FOR EACH ROW EXECUTE FUNCTION journal_refuse_change();
CREATE TRIGGER journal_lines_immutable BEFORE UPDATE OR DELETE ON journal_lines
    FOR EACH ROW EXECUTE FUNCTION journal_refuse_change();
CREATE TRIGGER journal_entries_no_truncate BEFORE TRUNCATE ON journal_entries
    FOR EACH STATEMENT EXECUTE FUNCTION billing_refuse_truncate();
CREATE TRIGGER journal_lines_no_truncate BEFORE TRUNCATE ON journal_lines
    FOR EACH STATEMENT EXECUTE FUNCTION billing_refuse_truncate();
CREATE TRIGGER ledger_accounts_no_delete BEFORE DELETE ON ledger_accounts
    FOR EACH ROW EXECUTE FUNCTION journal_refuse_change();
CREATE TRIGGER ledger_accounts_no_truncate BEFORE TRUNCATE ON ledger_accounts
    FOR EACH STATEMENT EXECUTE FUNCTION billing_refuse_truncate();

-- An entry as it is written: stamped with its transaction's time (lines check
-- it), dated after the lock date, and in tenant work only the database's own
-- postings (inside a trigger) may claim a source other than a manual entry or
-- a reversal.
CREATE FUNCTION journal_entries_admit() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
DECLARE
    lock_date date;
BEGIN
    NEW.posted_at := now();
    IF NEW.source NOT IN ('manual', 'reversal') AND pg_trigger_depth() < 2
       AND current_user = 'shopfloor_tenant' THEN
        RAISE EXCEPTION 'only the database posts % entries', NEW.source USING ERRCODE = 'insufficient_privilege';
    END IF;
    SELECT books_lock_date INTO lock_date FROM tenants WHERE id = NEW.tenant_id;
    IF lock_date IS NOT NULL AND NEW.entry_date <= lock_date THEN
        RAISE EXCEPTION 'the books are locked up to %: nothing can be posted on %', lock_date, NEW.entry_date
            USING ERRCODE = 'check_violation', CONSTRAINT = 'journal_entries_after_lock_date';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER journal_entries_admit BEFORE INSERT ON journal_entries
    FOR EACH ROW EXECUTE FUNCTION journal_entries_admit();

-- A line written by a statement of tenant work (a manual entry, a reversal)
-- goes into an entry of the same transaction (same `now()`). The posting
-- functions (at trigger depth 1 or more) write lines only into the entry they
-- have just written, so they are not checked again.
CREATE FUNCTION journal_lines_same_transaction() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
BEGIN
    PERFORM 1 FROM journal_entries
     WHERE tenant_id = NEW.tenant_id AND id = NEW.entry_id AND posted_at = now();
    IF NOT FOUND THEN
        RAISE EXCEPTION 'journal entry % is already posted: its lines cannot change', NEW.entry_id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER journal_lines_same_transaction BEFORE INSERT ON journal_lines
    FOR EACH ROW WHEN (pg_trigger_depth() = 0)
    EXECUTE FUNCTION journal_lines_same_transaction();

-- At commit: an entry balances and has at least two lines.
CREATE FUNCTION journal_entries_check_balance() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
DECLARE
    lines bigint;
    debits numeric;
    credits numeric;
BEGIN
    SELECT count(*), coalesce(sum(debit), 0), coalesce(sum(credit), 0) INTO lines, debits, credits
      FROM journal_lines WHERE tenant_id = NEW.tenant_id AND entry_id = NEW.id;
    IF lines < 2 OR debits <> credits THEN
        RAISE EXCEPTION 'journal entry % does not balance: debits %, credits % on % lines',
            NEW.id, debits, credits, lines
            USING ERRCODE = 'check_violation', CONSTRAINT = 'journal_entries_balanced';
    END IF;
    RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER journal_entries_balanced AFTER INSERT ON journal_entries
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION journal_entries_check_balance();

-- A system account keeps existing: it can be renamed, never deactivated (the
-- CHECK above), and never loses its key.
CREATE FUNCTION ledger_accounts_keep_system() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN
    IF NEW.system_key IS DISTINCT FROM OLD.system_key OR NEW.code <> OLD.code OR NEW.kind <> OLD.kind
       OR NEW.tenant_id <> OLD.tenant_id THEN
        RAISE EXCEPTION 'an account keeps its code, kind and role' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER ledger_accounts_keep_system BEFORE UPDATE ON ledger_accounts
    FOR EACH ROW EXECUTE FUNCTION ledger_accounts_keep_system();

-- The chart a new business starts with.
CREATE FUNCTION books_seed_chart(p_tenant uuid, p_type text) RETURNS void
    LANGUAGE sql SET search_path = pg_catalog, public AS $$
    INSERT INTO ledger_accounts (tenant_id, code, name, kind, system_key)
    SELECT p_tenant, c.code, c.name, c.kind, c.system_key
      FROM (VALUES
        ('1000', 'Cash', 'asset', 'cash'),
        ('1010', 'Card clearing', 'asset', 'card'),
        ('1020', 'Other payments clearing', 'asset', 'other'),
        ('1100', 'Bank', 'asset', 'bank'),
        ('1200', 'Accounts receivable', 'asset', 'receivable'),
        ('1300', 'Inventory', 'asset', 'inventory'),
        ('2000', 'Accounts payable', 'liability', 'payable'),
        ('2100', 'Tax payable', 'liability', 'tax'),
        ('3000', 'Owner''s equity', 'equity', 'equity'),
        ('3900', 'Opening balances', 'equity', 'opening'),
        ('4000', CASE p_type WHEN 'restaurant' THEN 'Food and drink sales'
                             WHEN 'auto_service' THEN 'Parts and service sales'
                             WHEN 'dealership' THEN 'Vehicle and parts sales'
                             ELSE 'Sales' END, 'income', 'sales'),
        ('4100', 'Sales returns', 'income', 'returns'),
        ('5000', 'Cost of goods sold', 'expense', 'cogs'),
        ('5100', CASE p_type WHEN 'restaurant' THEN 'Waste and shrinkage' ELSE 'Shrinkage' END,
                 'expense', 'shrinkage'),
        ('5200', 'Cash over and short', 'expense', 'over_short'),
        ('5300', 'Inventory revaluation', 'expense', 'revaluation')
      ) AS c (code, name, kind, system_key)
    ON CONFLICT DO NOTHING
$$;

CREATE FUNCTION tenants_seed_chart() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
BEGIN
    PERFORM books_seed_chart(NEW.id, NEW.business_type);
    RETURN NULL;
END
$$;
CREATE TRIGGER tenants_seed_chart AFTER INSERT ON tenants
    FOR EACH ROW EXECUTE FUNCTION tenants_seed_chart();

-- A business's calendar day of an instant.
CREATE FUNCTION books_day(p_tenant uuid, p_at timestamptz) RETURNS date
    LANGUAGE sql STABLE SET search_path = pg_catalog, public AS $$
    SELECT (p_at AT TIME ZONE coalesce((SELECT timezone FROM tenants WHERE id = p_tenant), 'UTC'))::date
$$;

-- Posts one entry from (system account, debit, credit) rows; a row posts
-- debit − credit on its side, rows that net to zero are left out, and nothing
-- is posted when every row does. Returns the entry.
CREATE FUNCTION books_post(p_tenant uuid, p_day date, p_source text, p_source_id text, p_memo text,
                           p_keys text[], p_debits bigint[], p_credits bigint[]) RETURNS uuid
    LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
DECLARE
    entry uuid;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM unnest(p_debits, p_credits) AS x (d, c) WHERE d <> c) THEN
        RETURN NULL;
    END IF;
    entry := gen_random_uuid();
    INSERT INTO journal_entries (tenant_id, id, entry_date, source, source_id, memo)
        VALUES (p_tenant, entry, p_day, p_source, p_source_id, left(p_memo, 300));
    INSERT INTO journal_lines (tenant_id, entry_id, line_no, account_code, debit, credit)
    -- A row's net side: a negative debit is a credit and the reverse.
    SELECT p_tenant, entry, row_number() OVER (ORDER BY x.ord), a.code,
           greatest(x.d - x.c, 0), greatest(x.c - x.d, 0)
      FROM unnest(p_keys, p_debits, p_credits) WITH ORDINALITY AS x (k, d, c, ord)
      JOIN ledger_accounts a ON a.tenant_id = p_tenant AND a.system_key = x.k
     WHERE x.d <> x.c;
    RETURN entry;
END
$$;

-- Sale: at commit of the transaction that finalized the bill.
CREATE FUNCTION books_post_bill() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
DECLARE
    cash bigint; card bigint; other bigint; cost bigint;
BEGIN
    -- One statement for both (this runs in every sale's commit).
    SELECT coalesce(sum(p.amount) FILTER (WHERE p.method = 'cash'), 0),
           coalesce(sum(p.amount) FILTER (WHERE p.method = 'card'), 0),
           coalesce(sum(p.amount) FILTER (WHERE p.method = 'other'), 0),
           (SELECT coalesce(sum(l.unit_cost * l.quantity), 0) FROM bill_lines l
             WHERE l.tenant_id = NEW.tenant_id AND l.bill_id = NEW.id)
      INTO cash, card, other, cost
      FROM payments p WHERE p.tenant_id = NEW.tenant_id AND p.bill_id = NEW.id;
    PERFORM books_post(NEW.tenant_id, books_day(NEW.tenant_id, NEW.finalized_at), 'sale', NEW.id::text,
        'Bill ' || NEW.number,
        ARRAY['cash', 'card', 'other', 'sales', 'tax', 'cogs', 'inventory'],
        ARRAY[cash, card, other, 0, 0, cost, 0]::bigint[],
        ARRAY[0, 0, 0, NEW.net, NEW.tax, 0, cost]::bigint[]);
    RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER bills_books AFTER UPDATE OF status ON bills
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (OLD.status = 'draft' AND NEW.status = 'finalized')
    EXECUTE FUNCTION books_post_bill();

-- Credit note: at commit of the transaction that issued it.
CREATE FUNCTION books_post_credit_note() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
DECLARE
    restock bigint := 0;
BEGIN
    IF NEW.restocked THEN
        SELECT coalesce(sum(c.quantity * p.cost_price), 0) INTO restock
          FROM credit_note_lines c
          JOIN bill_lines l ON l.tenant_id = c.tenant_id AND l.bill_id = c.bill_id AND l.line_no = c.line_no
          JOIN products p ON p.tenant_id = l.tenant_id AND p.id = l.product_id
         WHERE c.tenant_id = NEW.tenant_id AND c.credit_note_id = NEW.id;
    END IF;
    PERFORM books_post(NEW.tenant_id, books_day(NEW.tenant_id, NEW.created_at), 'credit_note', NEW.id::text,
        'Credit note ' || NEW.number,
        ARRAY['returns', 'tax', NEW.refund_method, 'inventory', 'cogs'],
        ARRAY[NEW.total - NEW.tax, NEW.tax, 0, restock, 0]::bigint[],
        ARRAY[0, 0, NEW.total, 0, restock]::bigint[]);
    RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER credit_notes_books AFTER INSERT ON credit_notes
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION books_post_credit_note();

-- Cash put into or taken out of a drawer during a shift (from or to the bank).
CREATE FUNCTION books_post_shift_cash() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
DECLARE
    signed bigint := CASE NEW.kind WHEN 'in' THEN NEW.amount ELSE -NEW.amount END;
BEGIN
    PERFORM books_post(NEW.tenant_id, books_day(NEW.tenant_id, NEW.at), 'shift_cash',
        NEW.shift_id::text || ':' || NEW.seq,
        CASE NEW.kind WHEN 'in' THEN 'Cash in: ' ELSE 'Cash out: ' END || NEW.reason,
        ARRAY['cash', 'bank'], ARRAY[signed, 0]::bigint[], ARRAY[0, signed]::bigint[]);
    RETURN NULL;
END
$$;
CREATE TRIGGER shift_cash_books AFTER INSERT ON shift_cash
    FOR EACH ROW EXECUTE FUNCTION books_post_shift_cash();

-- A shift's close: what was counted beyond (or short of) what was expected.
CREATE FUNCTION books_post_shift_close() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
DECLARE
    cash bigint; card bigint; other bigint;
BEGIN
    SELECT coalesce(sum(difference) FILTER (WHERE method = 'cash'), 0),
           coalesce(sum(difference) FILTER (WHERE method = 'card'), 0),
           coalesce(sum(difference) FILTER (WHERE method = 'other'), 0)
      INTO cash, card, other
      FROM shift_counts WHERE tenant_id = NEW.tenant_id AND shift_id = NEW.id;
    PERFORM books_post(NEW.tenant_id, books_day(NEW.tenant_id, NEW.closed_at), 'shift_close', NEW.id::text,
        'Z ' || NEW.z_number || ': counted against expected',
        ARRAY['cash', 'card', 'other', 'over_short'],
        ARRAY[cash, card, other, 0]::bigint[],
        ARRAY[0, 0, 0, cash + card + other]::bigint[]);
    RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER shifts_books AFTER UPDATE OF status ON shifts
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (OLD.status = 'open' AND NEW.status = 'closed')
    EXECUTE FUNCTION books_post_shift_close();

-- A stock movement other than a sale or a return (their documents post them),
-- at the product's cost price.
CREATE FUNCTION books_post_stock_movement() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
DECLARE
    value bigint;
    against text := CASE WHEN NEW.kind IN ('adjustment', 'count') THEN 'shrinkage' ELSE 'opening' END;
BEGIN
    SELECT NEW.quantity * cost_price INTO value
      FROM products WHERE tenant_id = NEW.tenant_id AND id = NEW.product_id;
    PERFORM books_post(NEW.tenant_id, books_day(NEW.tenant_id, NEW.created_at), 'stock', NEW.id::text,
        initcap(NEW.kind) || coalesce(': ' || NEW.reason, ''),
        ARRAY['inventory', against], ARRAY[value, 0]::bigint[], ARRAY[0, value]::bigint[]);
    RETURN NULL;
END
$$;
CREATE TRIGGER stock_movements_books AFTER INSERT ON stock_movements
    FOR EACH ROW WHEN (NEW.kind NOT IN ('sale', 'return'))
    EXECUTE FUNCTION books_post_stock_movement();

-- A new cost price revalues the stock on hand. Stock and cost change in
-- separate statements, so every movement is valued at one known cost.
CREATE FUNCTION books_post_cost_change() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
DECLARE
    value bigint := OLD.on_hand * (NEW.cost_price - OLD.cost_price);
BEGIN
    IF NEW.on_hand <> OLD.on_hand THEN
        RAISE EXCEPTION 'change the stock and the cost price of product % in separate statements', NEW.id
            USING ERRCODE = 'check_violation';
    END IF;
    PERFORM books_post(NEW.tenant_id, books_day(NEW.tenant_id, now()), 'cost_change', NEW.id::text,
        'Cost of ' || NEW.sku || ': ' || OLD.cost_price || ' to ' || NEW.cost_price,
        ARRAY['inventory', 'revaluation'], ARRAY[value, 0]::bigint[], ARRAY[0, value]::bigint[]);
    RETURN NULL;
END
$$;
CREATE TRIGGER products_books_cost AFTER UPDATE OF cost_price ON products
    FOR EACH ROW WHEN (OLD.cost_price <> NEW.cost_price)
    EXECUTE FUNCTION books_post_cost_change();

-- What must always hold: every entry balances; the inventory account is the
-- stock on hand at cost. Runs as the caller (a tenant sees its own).
CREATE FUNCTION accounting_violations()
    RETURNS TABLE (tenant_id uuid, problem text, entry_id uuid, difference bigint)
    LANGUAGE sql STABLE SECURITY INVOKER SET search_path = public, pg_catalog AS $$
    SELECT e.tenant_id, 'unbalanced entry', e.id,
           (coalesce(sum(l.debit), 0) - coalesce(sum(l.credit), 0))::bigint
      FROM journal_entries e
      LEFT JOIN journal_lines l ON l.tenant_id = e.tenant_id AND l.entry_id = e.id
     GROUP BY e.tenant_id, e.id
    HAVING count(l.line_no) < 2 OR coalesce(sum(l.debit), 0) <> coalesce(sum(l.credit), 0)
    UNION ALL
    SELECT s.tenant_id, 'inventory account differs from the stock at cost', NULL::uuid,
           (s.at_cost - coalesce(b.balance, 0))::bigint
      FROM (SELECT p.tenant_id, sum(p.on_hand * p.cost_price) AS at_cost
              FROM products p GROUP BY p.tenant_id) s
      LEFT JOIN (SELECT l.tenant_id, sum(l.debit - l.credit) AS balance
                   FROM journal_lines l
                   JOIN ledger_accounts a ON a.tenant_id = l.tenant_id AND a.code = l.account_code
                  WHERE a.system_key = 'inventory'
                  GROUP BY l.tenant_id) b ON b.tenant_id = s.tenant_id
     WHERE s.at_cost <> coalesce(b.balance, 0)
$$;
GRANT EXECUTE ON FUNCTION accounting_violations() TO shopfloor_tenant;

-- Businesses that already exist: their chart, and their stock at cost as the
-- opening balance (dated today in their time zone). Run by the owner role
-- (a superuser or BYPASSRLS: it writes every business's rows).
DO $$
DECLARE
    t record;
    at_cost bigint;
BEGIN
    FOR t IN SELECT id, business_type FROM tenants LOOP
        PERFORM set_config('app.tenant_id', t.id::text, true);
        PERFORM books_seed_chart(t.id, t.business_type);
        SELECT coalesce(sum(on_hand * cost_price), 0) INTO at_cost FROM products WHERE tenant_id = t.id;
        PERFORM books_post(t.id, books_day(t.id, now()), 'opening', NULL, 'Opening balance: stock on hand at cost',
            ARRAY['inventory', 'opening'], ARRAY[at_cost, 0]::bigint[], ARRAY[0, at_cost]::bigint[]);
    END LOOP;
    PERFORM set_config('app.tenant_id', '', true);
END
$$;
