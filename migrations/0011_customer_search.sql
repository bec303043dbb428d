-- The till's customer picker searches on the server, one index range per
-- keystroke (see 0006 for why terms: under row-level security LIKE and
-- lower() run after the tenant policy and can never use an index, while text
-- range comparisons are leakproof).
--
-- Every word of a customer's name and email, the whole email, and the phone
-- number's digits are kept lower-cased in `customer_search_terms`; typing
-- "ann" becomes `term >= 'ann' AND term < 'ann' || U+10FFFF` over the
-- tenant's own entries. The table is derived from `customers` by a trigger
-- that runs as whoever writes the customer (the tenant role, under the same
-- policy), so it can never hold a term for another tenant's customer.

CREATE TABLE customer_search_terms (
    tenant_id   uuid NOT NULL REFERENCES tenants (id),
    term        text COLLATE "C" NOT NULL CHECK (length(term) BETWEEN 1 AND 64),
    customer_id uuid NOT NULL,
    PRIMARY KEY (tenant_id, term, customer_id),
    FOREIGN KEY (tenant_id, customer_id) REFERENCES customers (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX customer_search_terms_customer ON customer_search_terms (tenant_id, customer_id);

-- The words (runs of letters and digits) of the name and the email, lower-cased,
-- the whole email, and the phone number's digits.
CREATE FUNCTION customer_search_terms_of(name text, email text, phone text) RETURNS SETOF text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT DISTINCT left(w, 64)
    FROM regexp_split_to_table(lower(name || ' ' || email), '[^[:alnum:]]+') AS w
    WHERE w <> ''
    UNION
    SELECT left(lower(email), 64) WHERE email <> ''
    UNION
    SELECT left(d, 64) FROM regexp_replace(phone, '[^0-9]', '', 'g') AS d WHERE d <> ''
$$;

CREATE FUNCTION customer_search_terms_sync() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF NEW.name IS NOT DISTINCT FROM OLD.name AND NEW.email IS NOT DISTINCT FROM OLD.email
           AND NEW.phone IS NOT DISTINCT FROM OLD.phone THEN
            RETURN NULL;
        END IF;
        DELETE FROM customer_search_terms WHERE tenant_id = OLD.tenant_id AND customer_id = OLD.id;
    END IF;
    INSERT INTO customer_search_terms (tenant_id, term, customer_id)
    SELECT NEW.tenant_id, t, NEW.id FROM customer_search_terms_of(NEW.name, NEW.email, NEW.phone) AS t;
    RETURN NULL;
END
$$;

CREATE TRIGGER customers_search_terms AFTER INSERT OR UPDATE OF name, email, phone ON customers
    FOR EACH ROW EXECUTE FUNCTION customer_search_terms_sync();

-- Terms for the customers that exist already (the policy is lifted on
-- `customers` for this one statement, inside the migration's transaction).
ALTER TABLE customers NO FORCE ROW LEVEL SECURITY;
INSERT INTO customer_search_terms (tenant_id, term, customer_id)
SELECT c.tenant_id, t, c.id FROM customers c, customer_search_terms_of(c.name, c.email, c.phone) AS t;
ALTER TABLE customers FORCE ROW LEVEL SECURITY;

ALTER TABLE customer_search_terms ENABLE ROW LEVEL SECURITY;
ALTER TABLE customer_search_terms FORCE ROW LEVEL SECURITY;
CREATE POLICY customer_search_terms_tenant_isolation ON customer_search_terms
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
GRANT SELECT, INSERT, DELETE ON customer_search_terms TO shopfloor_tenant;
