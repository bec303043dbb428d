-- PINs at the till (issue #15, "People at the till").
--
-- A member may set a 4-6 digit PIN per business: on a till a manager has
-- opened with their password, people switch in with it, and a manager's PIN
-- approves what a cashier may not do alone (a discount over the limit, a
-- refund). PINs are hashed with argon2 like passwords (never stored in clear);
-- wrong PINs are counted in `login_throttle` (keys `pin-person:` and
-- `pin-addr:`), reserved before hashing, like log-in.
--
-- An approval is a one-time token (only its SHA-256 is stored) for the member
-- who asked and one action, valid for two minutes; it is used up in the
-- transaction of the sale or credit note it approves, so a rolled-back sale
-- leaves it unused.

CREATE TABLE member_pins (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    user_id   uuid NOT NULL,
    pin_hash  text NOT NULL CHECK (pin_hash LIKE '$argon2%'),
    set_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, user_id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES memberships (tenant_id, user_id)
);

CREATE TABLE pin_approvals (
    tenant_id    uuid NOT NULL REFERENCES tenants (id),
    id           uuid NOT NULL,
    token_hash   bytea NOT NULL CHECK (length(token_hash) = 32),
    approver_id  uuid NOT NULL,
    requested_by uuid NOT NULL,
    action       text NOT NULL CHECK (action IN ('discount', 'refund')),
    expires_at   timestamptz NOT NULL,
    used_at      timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, approver_id) REFERENCES memberships (tenant_id, user_id),
    FOREIGN KEY (tenant_id, requested_by) REFERENCES memberships (tenant_id, user_id),
    CONSTRAINT pin_approvals_tenant_hash_key UNIQUE (tenant_id, token_hash)
);

ALTER TABLE member_pins ENABLE ROW LEVEL SECURITY;
ALTER TABLE member_pins FORCE ROW LEVEL SECURITY;
CREATE POLICY member_pins_tenant_isolation ON member_pins
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

ALTER TABLE pin_approvals ENABLE ROW LEVEL SECURITY;
ALTER TABLE pin_approvals FORCE ROW LEVEL SECURITY;
CREATE POLICY pin_approvals_tenant_isolation ON pin_approvals
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

-- A PIN is a credential, not business data: removing one deletes its row.
GRANT SELECT, INSERT, UPDATE, DELETE ON member_pins TO shopfloor_tenant;
-- An approval is only ever used up.
GRANT SELECT, INSERT ON pin_approvals TO shopfloor_tenant;
GRANT UPDATE (used_at) ON pin_approvals TO shopfloor_tenant;
