//! `/members`: the team, invitations and who may do what.
use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    api::{
        org::{
            list_invitations, list_members, ChangeMemberRole, CreateInvitation, RevokeInvitation,
            SetMemberActive,
        },
        pins::ClearPin,
    },
    model::Role,
    org::InvitationStatus,
    permissions::{may_grant, may_manage, Permission},
    ui::{
        components::form::{ConfirmButton, FormError, SubmitButton},
        pages::member_only::MemberOnly,
        role_can,
    },
};

const INPUT: &str = "rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm";

#[component]
pub fn MembersPage() -> impl IntoView {
    view! {
        <Title text="Team · Shopfloor" />
        <MemberOnly children=|ctx| {
            let me = ctx.user.as_ref().map(|u| (u.id, u.role.unwrap_or(Role::Cashier)));
            match me {
                Some((me, role)) if role_can(&ctx, Permission::ViewMembers) => view! { <Members me role /> }.into_any(),
                _ => view! { <p role="alert" class="text-red-700">"Only managers and above can see the team."</p> }.into_any(),
            }
        } />
    }
}

#[component]
fn Members(me: uuid::Uuid, role: Role) -> impl IntoView {
    let change_role = ServerAction::<ChangeMemberRole>::new();
    let set_active = ServerAction::<SetMemberActive>::new();
    let invite = ServerAction::<CreateInvitation>::new();
    let revoke = ServerAction::<RevokeInvitation>::new();
    let clear_pin = ServerAction::<ClearPin>::new();
    let members = Resource::new(
        move || {
            (
                change_role.version().get(),
                set_active.version().get(),
                invite.version().get(),
            )
        },
        |_| list_members(),
    );
    let invitations = Resource::new(
        move || {
            (
                invite.version().get(),
                revoke.version().get(),
                set_active.version().get(),
            )
        },
        |_| list_invitations(),
    );
    let grantable: Vec<Role> = Role::ALL.into_iter().filter(|r| may_grant(role, *r)).collect();
    let invite_roles = grantable.clone();
    // Marks the page once the wasm has taken over (tests wait for it).
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    view! {
        <div class="grid grid-cols-1 gap-6 md:grid-cols-3" data-hydrated=move || hydrated.get().to_string()>
            <section class="space-y-3 md:col-span-2">
                <h1 class="text-2xl font-bold tracking-tight">"Team"</h1>
                <FormError value=change_role.value() />
                <FormError value=set_active.value() />
                <FormError value=clear_pin.value() />
                {move || clear_pin.value().get().and_then(Result::ok).map(|said| view! {
                    <p role="status" class="rounded-md border border-green-200 bg-green-50 px-3 py-2 text-sm text-green-800" data-testid="pin-cleared">{said}</p>
                })}
                <Transition fallback=|| view! { <p class="text-slate-500">"Loading…"</p> }>
                    {move || {
                        let grantable = grantable.clone();
                        Suspend::new(async move {
                        match members.await {
                            Ok(list) => view! {
                                <div class="overflow-x-auto">
                                <table class="w-full rounded-lg border border-slate-200 bg-white text-sm" data-testid="member-rows">
                                    <thead class="bg-slate-50 text-left text-xs uppercase text-slate-500">
                                        <tr>
                                            <th class="px-3 py-2">"Name"</th>
                                            <th class="px-3 py-2">"Role"</th>
                                            <th class="px-3 py-2">"Last seen"</th>
                                            <th class="px-3 py-2"></th>
                                        </tr>
                                    </thead>
                                    <tbody class="divide-y divide-slate-100">
                                        {list.into_iter().map(|m| {
                                            let user_id = m.user_id;
                                            let manageable = m.user_id != me && may_manage(role, m.role);
                                            let options = grantable.clone();
                                            let current = m.role;
                                            view! {
                                                <tr class:opacity-60=!m.is_active data-testid="member-row">
                                                    <td class="px-3 py-2">
                                                        <p class="font-medium">{m.display_name.clone()}</p>
                                                        <p class="text-xs text-slate-500">{m.email.clone()}</p>
                                                    </td>
                                                    <td class="px-3 py-2">
                                                        {if manageable && m.is_active {
                                                            view! {
                                                                <select
                                                                    class=INPUT
                                                                    aria-label=format!("Role of {}", m.display_name)
                                                                    on:change=move |ev| {
                                                                        if let Some(role) = Role::parse(&event_target_value(&ev)) {
                                                                            change_role.dispatch(ChangeMemberRole { user_id, role });
                                                                        }
                                                                    }
                                                                >
                                                                    {options.into_iter().map(|r| view! {
                                                                        <option value=r.as_str() selected=r == current>{r.label()}</option>
                                                                    }).collect_view()}
                                                                </select>
                                                            }.into_any()
                                                        } else {
                                                            view! { <span>{m.role.label()}</span> }.into_any()
                                                        }}
                                                        {(!m.is_active).then(|| view! { <span class="ml-2 text-xs text-slate-500">"deactivated"</span> })}
                                                    </td>
                                                    <td class="px-3 py-2 text-slate-600">{m.last_seen_at.clone().unwrap_or_else(|| "never".into())}</td>
                                                    <td class="px-3 py-2 text-right">
                                                        {manageable.then(|| {
                                                            if m.is_active {
                                                                view! {
                                                                    <span class="inline-flex flex-wrap justify-end gap-3">
                                                                        <ConfirmButton
                                                                            label="Remove till PIN"
                                                                            question=format!("Remove {}'s till PIN? They set a new one on their profile.", m.display_name)
                                                                            confirm="Yes, remove"
                                                                            class="text-xs text-slate-600 hover:text-red-700 hover:underline"
                                                                            on_confirm=move |_| { clear_pin.dispatch(ClearPin { user_id }); }
                                                                        />
                                                                        <ConfirmButton
                                                                            label="Deactivate"
                                                                            question=format!("Deactivate {}? They are signed out at once.", m.display_name)
                                                                            confirm="Yes, deactivate"
                                                                            class="text-xs text-slate-600 hover:text-red-700 hover:underline"
                                                                            on_confirm=move |_| { set_active.dispatch(SetMemberActive { user_id, active: false }); }
                                                                        />
                                                                    </span>
                                                                }.into_any()
                                                            } else {
                                                                view! {
                                                                    <button
                                                                        class="text-xs text-slate-600 hover:text-red-700 hover:underline"
                                                                        on:click=move |_| { set_active.dispatch(SetMemberActive { user_id, active: true }); }
                                                                    >
                                                                        "Reactivate"
                                                                    </button>
                                                                }.into_any()
                                                            }
                                                        })}
                                                    </td>
                                                </tr>
                                            }
                                        }).collect_view()}
                                    </tbody>
                                </table>
                                </div>
                            }.into_any(),
                            Err(e) => view! { <p role="alert" class="text-red-700">{e.to_string()}</p> }.into_any(),
                        }
                    })}}
                </Transition>
                <h2 class="pt-4 text-lg font-semibold">"Invitations"</h2>
                <FormError value=revoke.value() />
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        match invitations.await {
                            Ok(list) if list.is_empty() => view! { <p class="text-sm text-slate-500">"No invitations in the last 30 days."</p> }.into_any(),
                            Ok(list) => view! {
                                <ul class="divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white text-sm" data-testid="invitation-rows">
                                    {list.into_iter().map(|i| {
                                        let id = i.id;
                                        let pending = i.status == InvitationStatus::Pending;
                                        let can_revoke = pending && may_grant(role, i.role);
                                        view! {
                                            <li class="flex items-center justify-between gap-3 px-3 py-2">
                                                <div>
                                                    <p><span class="font-medium">{i.email.clone()}</span>" as "{i.role.label()}</p>
                                                    <p class="text-xs text-slate-500">{format!("{} · by {} · expires {}", i.status.label(), i.invited_by, i.expires_at)}</p>
                                                </div>
                                                {can_revoke.then(|| view! {
                                                    <button class="text-xs text-slate-600 hover:text-red-700 hover:underline"
                                                        on:click=move |_| { revoke.dispatch(RevokeInvitation { id }); }>
                                                        "Withdraw"
                                                    </button>
                                                })}
                                            </li>
                                        }
                                    }).collect_view()}
                                </ul>
                            }.into_any(),
                            Err(e) => view! { <p role="alert" class="text-red-700">{e.to_string()}</p> }.into_any(),
                        }
                    })}
                </Transition>
            </section>
            <aside class="h-fit space-y-3 rounded-lg border border-slate-200 bg-white p-4">
                <h2 class="font-semibold">"Invite someone"</h2>
                <ActionForm action=invite attr:class="space-y-2">
                    <input name="email" type="email" required placeholder="name@example.com" aria-label="Email to invite" class=format!("{INPUT} w-full") />
                    <select name="role" aria-label="Role" class=format!("{INPUT} w-full")>
                        {invite_roles.into_iter().rev().map(|r| view! { <option value=r.as_str()>{r.label()}</option> }).collect_view()}
                    </select>
                    <FormError value=invite.value() />
                    <SubmitButton label="Create invitation" busy_label="Creating…" pending=Memo::new(move |_| invite.pending().get()) />
                </ActionForm>
                {move || invite.value().get().and_then(Result::ok).map(|created| view! {
                    <div class="space-y-1 rounded-md border border-emerald-200 bg-emerald-50 p-3 text-sm" role="status">
                        <p data-testid="invite-sent">{if created.emailed {
                            format!("Emailed to {}. You can also pass this link on; it works once, for 7 days.", created.invitation.email)
                        } else {
                            format!("Send this link to {}. It works once, for 7 days.", created.invitation.email)
                        }}</p>
                        <CopyLink link=created.link.clone() />
                    </div>
                })}
                <p class="text-xs text-slate-500">
                    "Nobody can grant a role above their own; only owners make owners and admins. See who may do what in the roles guide (docs/roles.md)."
                </p>
            </aside>
        </div>
    }
}

/// The invitation link, read-only, with a Copy button: it copies to the
/// clipboard and says so; where the browser refuses, it selects the link so
/// the inviter can copy it by hand.
#[component]
fn CopyLink(link: String) -> impl IntoView {
    let field: NodeRef<leptos::html::Input> = NodeRef::new();
    let said = RwSignal::new(None::<&'static str>);
    let copy = {
        let link = link.clone();
        move |_| {
            let link = link.clone();
            leptos::task::spawn_local(async move {
                if copy_to_clipboard(&link).await {
                    said.set(Some("Copied"));
                } else {
                    if let Some(input) = field.get_untracked() {
                        let _ = input.focus();
                        input.select();
                    }
                    said.set(Some("Selected: press Ctrl+C (⌘C on a Mac) to copy."));
                }
            });
        }
    };
    view! {
        <div class="flex gap-2">
            <input readonly node_ref=field aria-label="Invitation link" class=format!("{INPUT} min-w-0 flex-1 font-mono text-xs") data-testid="invite-link" prop:value=link
                on:focus=move |_| { if let Some(input) = field.get_untracked() { input.select(); } } />
            <button type="button" class="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium hover:bg-slate-100" data-testid="copy-invite-link" on:click=copy>
                "Copy"
            </button>
        </div>
        <p role="status" aria-live="polite" class="text-xs font-medium text-emerald-800" data-testid="copy-status">{move || said.get()}</p>
    }
}

/// Writes `text` to the clipboard; false where the browser has no clipboard
/// (an insecure origin) or refuses.
#[cfg(feature = "hydrate")]
async fn copy_to_clipboard(text: &str) -> bool {
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::{js_sys, JsFuture};
    let get = |target: &wasm_bindgen::JsValue, name: &str| js_sys::Reflect::get(target, &name.into()).ok();
    let global: wasm_bindgen::JsValue = js_sys::global().into();
    let Some(clipboard) = get(&global, "navigator")
        .and_then(|n| get(&n, "clipboard"))
        .filter(|c| c.is_object())
    else {
        return false;
    };
    let Some(write) = get(&clipboard, "writeText").and_then(|w| w.dyn_into::<js_sys::Function>().ok()) else {
        return false;
    };
    let Ok(promise) = write.call1(&clipboard, &text.into()) else {
        return false;
    };
    match promise.dyn_into::<js_sys::Promise>() {
        Ok(promise) => JsFuture::from(promise).await.is_ok(),
        Err(_) => false,
    }
}

#[cfg(not(feature = "hydrate"))]
async fn copy_to_clipboard(_text: &str) -> bool {
    false
}
