//! Who may do what. Every domain function that changes something asks here; the
//! pages ask too, only to hide what a role cannot use (compiled for both sides);
//! the hidden button is never the enforcement.
use uuid::Uuid;

use crate::model::Role;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    ViewCatalog,
    EditCatalog,
    ArchiveCatalog,
    Restock,
    AdjustStock,
    CountStock,
    ReturnStock,
    ImportCatalog,
    ExportCatalog,
    Sell,
    IssueCreditNote,
    GiveLargeDiscount,
    ViewMembers,
    ManageMembers,
    InviteMembers,
    ManageSettings,
    ViewAudit,
    ExportTenant,
    ManageShifts,
    /// Sales, product, tax and margin reports, their CSV, and the dashboard's
    /// sales figures.
    ViewReports,
    /// The chart of accounts, the journal and the financial statements.
    ViewBooks,
    /// Manual journal entries and reversals.
    PostJournal,
    /// Adding, renaming and deactivating accounts; the lock date.
    ManageBooks,
    /// Purchase orders: drafting, sending, receiving, cancelling.
    Purchase,
    /// Payments to suppliers.
    PaySuppliers,
}

impl Permission {
    pub const ALL: [Permission; 25] = [
        Permission::ViewCatalog,
        Permission::EditCatalog,
        Permission::ArchiveCatalog,
        Permission::Restock,
        Permission::AdjustStock,
        Permission::CountStock,
        Permission::ReturnStock,
        Permission::ImportCatalog,
        Permission::ExportCatalog,
        Permission::Sell,
        Permission::IssueCreditNote,
        Permission::GiveLargeDiscount,
        Permission::ViewMembers,
        Permission::ManageMembers,
        Permission::InviteMembers,
        Permission::ManageSettings,
        Permission::ViewAudit,
        Permission::ExportTenant,
        Permission::ManageShifts,
        Permission::ViewReports,
        Permission::ViewBooks,
        Permission::PostJournal,
        Permission::ManageBooks,
        Permission::Purchase,
        Permission::PaySuppliers,
    ];

    /// The least role that holds this permission (roles are ordered by power).
    pub fn least_role(self) -> Role {
        match self {
            Permission::ViewCatalog | Permission::Sell => Role::Cashier,
            Permission::EditCatalog
            | Permission::Restock
            | Permission::AdjustStock
            | Permission::CountStock
            | Permission::ReturnStock
            | Permission::ImportCatalog
            | Permission::ExportCatalog
            | Permission::IssueCreditNote
            | Permission::GiveLargeDiscount
            | Permission::ViewMembers
            | Permission::ManageMembers
            | Permission::InviteMembers
            | Permission::ManageShifts
            | Permission::ViewReports
            | Permission::Purchase => Role::Manager,
            Permission::ArchiveCatalog
            | Permission::ManageSettings
            | Permission::ViewAudit
            | Permission::ViewBooks
            | Permission::PostJournal
            | Permission::PaySuppliers => Role::Admin,
            Permission::ExportTenant | Permission::ManageBooks => Role::Owner,
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Permission::ViewCatalog => "view the catalog",
            Permission::EditCatalog => "edit the catalog",
            Permission::ArchiveCatalog => "archive or restore",
            Permission::Restock => "restock",
            Permission::AdjustStock => "adjust stock",
            Permission::CountStock => "count stock",
            Permission::ReturnStock => "return goods to stock",
            Permission::ImportCatalog => "import the catalog",
            Permission::ExportCatalog => "export the catalog",
            Permission::Sell => "sell",
            Permission::IssueCreditNote => "issue credit notes",
            Permission::GiveLargeDiscount => "give discounts above the cashier limit",
            Permission::ViewMembers => "see the team",
            Permission::ManageMembers => "change members",
            Permission::InviteMembers => "invite people",
            Permission::ManageSettings => "change the business settings",
            Permission::ViewAudit => "read the audit trail",
            Permission::ExportTenant => "export all of the business's data",
            Permission::ManageShifts => "manage tills and other people's shifts",
            Permission::ViewReports => "see the sales reports",
            Permission::ViewBooks => "see the books",
            Permission::PostJournal => "post journal entries",
            Permission::ManageBooks => "change the chart of accounts or the lock date",
            Permission::Purchase => "order from suppliers and receive deliveries",
            Permission::PaySuppliers => "pay suppliers",
        }
    }
}

pub fn allows(role: Role, permission: Permission) -> bool {
    role >= permission.least_role()
}

/// Whether `granter` may give someone the role `role` (by invitation or by a
/// role change): never above one's own, and only owners give owner or admin.
pub fn may_grant(granter: Role, role: Role) -> bool {
    allows(granter, Permission::ManageMembers)
        && role <= granter
        && (role < Role::Admin || granter == Role::Owner)
}

/// Whether `actor` may change (role, deactivate, reactivate) a member who now
/// holds `current`: the same rule as granting, applied to what they hold now,
/// so an admin cannot demote an owner nor a manager an admin.
pub fn may_manage(actor: Role, current: Role) -> bool {
    may_grant(actor, current)
}

/// The member doing something, as the domain sees them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub user_id: Uuid,
    pub role: Role,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("Your role may not {}.", .0.describe())]
pub struct Forbidden(pub Permission);

impl Actor {
    pub fn require(&self, permission: Permission) -> Result<(), Forbidden> {
        if allows(self.role, permission) {
            Ok(())
        } else {
            Err(Forbidden(permission))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_matrix() {
        use Permission::*;
        let expect = |role: Role, allowed: &[Permission]| {
            for p in Permission::ALL {
                assert_eq!(allows(role, p), allowed.contains(&p), "{role:?} {p:?}");
            }
        };
        expect(Role::Cashier, &[ViewCatalog, Sell]);
        let above_manager = [
            ArchiveCatalog,
            ManageSettings,
            ViewAudit,
            ExportTenant,
            ViewBooks,
            PostJournal,
            ManageBooks,
            PaySuppliers,
        ];
        expect(
            Role::Manager,
            &[
                ViewCatalog,
                Sell,
                EditCatalog,
                Restock,
                AdjustStock,
                CountStock,
                ReturnStock,
                ImportCatalog,
                ExportCatalog,
                IssueCreditNote,
                GiveLargeDiscount,
                ViewMembers,
                ManageMembers,
                InviteMembers,
                ManageShifts,
                ViewReports,
                Purchase,
            ],
        );
        let admin: Vec<_> = Permission::ALL
            .into_iter()
            .filter(|p| !matches!(p, ExportTenant | ManageBooks))
            .collect();
        expect(Role::Admin, &admin);
        expect(Role::Owner, &Permission::ALL);
        for p in above_manager {
            assert!(!allows(Role::Manager, p));
        }
    }

    #[test]
    fn grant_rules() {
        use Role::*;
        // (granter, role) pairs that are allowed; everything else is refused.
        let allowed = [
            (Owner, Owner),
            (Owner, Admin),
            (Owner, Manager),
            (Owner, Cashier),
            (Admin, Manager),
            (Admin, Cashier),
            (Manager, Manager),
            (Manager, Cashier),
        ];
        for granter in Role::ALL {
            for role in Role::ALL {
                assert_eq!(
                    may_grant(granter, role),
                    allowed.contains(&(granter, role)),
                    "{granter:?} grants {role:?}"
                );
            }
        }
    }
}
