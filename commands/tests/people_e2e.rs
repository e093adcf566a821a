//! Conversations with the real bot through the Discord simulator: workspace, members,
//! invitations, role links, help; refusals with their messages; hostile names.

mod support;

use std::time::Duration;

use crewclock::domain::Role;
use discord_sim::{RoleSpec, UserSpec};
use support::{no_options, opt, role_opt, World};

async fn role_in_workspace(w: &World, user: &discord_sim::SimUser) -> Option<Role> {
    let mut conn = w.app.store.conn().await.unwrap();
    let ws = crewclock::store::workspaces::find_by_guild(
        &mut conn,
        crewclock::domain::GuildId(w.guild.0),
    )
    .await
    .unwrap()?;
    crewclock::store::members::find_by_user(&mut conn, ws.id, crewclock::domain::UserId(user.id.0))
        .await
        .unwrap()
        .filter(|m| m.active)
        .map(|m| m.role)
}

/// Alice creates the workspace, invites Bob; Bob accepts from the DM; Bob lists members.
async fn invite_accept_list(w: &World) {
    w.create_workspace().await;
    let bob = w.person("bob");
    let sent = w
        .run(
            &w.alice,
            "invite user",
            [opt::user("user", bob.id), role_opt("role", "Member")],
        )
        .await;
    assert!(sent.ephemeral(), "the inviter's confirmation is private");
    assert!(
        sent.text().contains("sent to **bob** by DM, as a Member"),
        "{}",
        sent.text()
    );
    let dm = w.latest_dm(&bob).await;
    assert!(
        dm.text()
            .contains("invited you to the crewclock workspace **Acme Time**"),
        "{}",
        dm.text()
    );
    let labels: Vec<_> = dm.buttons().into_iter().filter_map(|b| b.label).collect();
    assert_eq!(labels, ["Accept", "Decline"]);
    // Someone else pressing Bob's button is refused and changes nothing.
    let carol = w.person("carol");
    let refused = w.sim.click_label(&carol, &dm, "Accept").await.reply().await;
    assert!(
        refused.ephemeral() && refused.text().contains("for someone else"),
        "{}",
        refused.text()
    );
    assert_eq!(role_in_workspace(w, &carol).await, None);
    let accepted = w.sim.click_label(&bob, &dm, "Accept").await;
    assert_eq!(accepted.response().await.kind, 7);
    let updated = w.sim.message(dm.id).unwrap();
    assert!(
        updated
            .text()
            .contains("You joined **Acme Time** as a Member"),
        "{}",
        updated.text()
    );
    assert!(
        updated.buttons().is_empty(),
        "the buttons are gone after answering"
    );
    let list = w.run(&bob, "member list", no_options()).await;
    assert!(list.ephemeral());
    let text = list.text();
    assert!(
        text.contains("Members (2)") && text.contains(&format!("<@{}> — Member", bob.id.0)),
        "{text}"
    );
}
e2e_test!(invite_accept_and_list, invite_accept_list);

/// Two presses on Accept at the same time: one joins, the other is told it's done.
async fn double_click_accept(w: &World) {
    w.create_workspace().await;
    let bob = w.person("bob");
    w.run(
        &w.alice,
        "invite user",
        [opt::user("user", bob.id), role_opt("role", "Viewer")],
    )
    .await;
    let dm = w.latest_dm(&bob).await;
    let (a, b) = tokio::join!(
        w.sim.click_label(&bob, &dm, "Accept"),
        w.sim.click_label(&bob, &dm, "Accept")
    );
    let kinds = [a.response().await.kind, b.response().await.kind];
    assert!(
        kinds.contains(&7) && kinds.contains(&4),
        "one update, one message: {kinds:?}"
    );
    let loser = if kinds[0] == 4 {
        a.reply().await
    } else {
        b.reply().await
    };
    assert!(
        loser.ephemeral() && loser.text().contains("already accepted"),
        "{}",
        loser.text()
    );
    assert_eq!(role_in_workspace(w, &bob).await, Some(Role::Viewer));
}
e2e_test!(double_click_on_accept, double_click_accept);

/// A closed DM: the inviter is told, and the invitee accepts with /join.
async fn dm_closed(w: &World) {
    w.create_workspace().await;
    let dave = w.person("dave");
    w.sim.set_dms_closed(&dave, true);
    let reply = w
        .run(
            &w.alice,
            "invite user",
            [opt::user("user", dave.id), role_opt("role", "Member")],
        )
        .await;
    assert!(
        reply.text().contains("direct messages are closed") && reply.text().contains("/join"),
        "{}",
        reply.text()
    );
    let joined = w.run(&dave, "join", no_options()).await;
    assert!(
        joined.ephemeral() && joined.text().contains("Welcome to **Acme Time**"),
        "{}",
        joined.text()
    );
    assert_eq!(role_in_workspace(w, &dave).await, Some(Role::Member));
    // Without an invitation, /join says what to do.
    let erin = w.person("erin");
    let none = w.run(&erin, "join", no_options()).await;
    assert!(
        none.text().contains("no open invitation"),
        "{}",
        none.text()
    );
}
e2e_test!(invitee_with_closed_dms_joins_by_command, dm_closed);

/// Invite codes: created privately, redeemed with /join code.
async fn invite_code(w: &World) {
    w.create_workspace().await;
    let reply = w
        .run(
            &w.alice,
            "invite code",
            [role_opt("role", "Viewer"), opt::integer("uses", 2)],
        )
        .await;
    let text = reply.text();
    let code = text
        .split("/join code:")
        .nth(1)
        .and_then(|s| s.split('`').next())
        .unwrap()
        .trim()
        .to_string();
    let frank = w.person("frank");
    let joined = w
        .run(&frank, "join", [opt::string("code", code.to_lowercase())])
        .await;
    assert!(joined.text().contains("as a Viewer"), "{}", joined.text());
    let bad = w.run(&frank, "join", [opt::string("code", "nope")]).await;
    assert!(
        bad.ephemeral() && bad.text().contains("like ABCD-EF2345"),
        "{}",
        bad.text()
    );
}
e2e_test!(invite_codes_through_join, invite_code);

/// Refusals come back privately with the rule that refused.
async fn refusals(w: &World) {
    w.create_workspace().await;
    let bob = w.person("bob");
    let carol = w.person("carol");
    w.join(&bob, "Member").await;
    w.join(&carol, "Viewer").await;
    let cases = [
        (
            "member role",
            vec![opt::user("member", carol.id), role_opt("role", "Member")],
            "Only the Owner, Admins and Managers can change roles.",
        ),
        (
            "workspace set",
            vec![
                opt::string("setting", "seat_limit"),
                opt::string("value", "9"),
            ],
            "Only the Owner can change seat_limit",
        ),
        (
            "workspace delete",
            vec![],
            "Only the Owner can delete the workspace.",
        ),
        (
            "invite user",
            vec![
                opt::user("user", w.person("zed").id),
                role_opt("role", "Member"),
            ],
            "who_can_invite",
        ),
        (
            "workspace audit",
            vec![],
            "Only the Owner or an Admin can read the audit log.",
        ),
    ];
    for (command, options, needle) in cases {
        let reply = w.run(&bob, command, options).await;
        assert!(
            reply.ephemeral(),
            "/{command} refusal must be ephemeral: {reply:?}"
        );
        assert!(
            reply.text().contains(needle),
            "/{command}: '{}' should contain '{needle}'",
            reply.text()
        );
    }
    // Bad input: an unknown setting says which exist.
    let reply = w
        .run(
            &w.alice,
            "workspace set",
            [opt::string("setting", "colour"), opt::string("value", "x")],
        )
        .await;
    assert!(
        reply.text().contains("is not a setting") && reply.text().contains("seat_limit"),
        "{}",
        reply.text()
    );
    // A stranger is told how to get in.
    let stranger = w.person("stranger");
    let reply = w.run(&stranger, "member list", no_options()).await;
    assert!(
        reply.text().contains("not a member of this workspace"),
        "{}",
        reply.text()
    );
}
e2e_test!(refusals_name_the_rule, refusals);

/// Role changes move linked Discord roles; Discord role changes move workspace roles.
async fn role_links(w: &World) {
    w.create_workspace().await;
    let team = w.sim.add_role(w.guild, RoleSpec::new("Team"));
    let watchers = w.sim.add_role(w.guild, RoleSpec::new("Watchers"));
    for (role, discord) in [("Member", team), ("Viewer", watchers)] {
        let reply = w
            .run(
                &w.alice,
                "workspace link-role",
                [role_opt("role", role), opt::role("discord-role", discord)],
            )
            .await;
        assert!(reply.text().contains("is now linked"), "{}", reply.text());
    }
    let vic = w.person("vic");
    w.join(&vic, "Viewer").await;
    w.sim
        .wait_for_request(
            |r| r.method == "PUT" && r.path.ends_with(&format!("/roles/{}", watchers.0)),
            Duration::from_secs(5),
        )
        .await;
    // Bot → Discord: promoting Vic adds Team and removes Watchers.
    let reply = w
        .run(
            &w.alice,
            "member role",
            [opt::user("member", vic.id), role_opt("role", "Member")],
        )
        .await;
    assert!(
        reply.text().contains("is now a Member (was a Viewer)"),
        "{}",
        reply.text()
    );
    let roles = w.sim.member_roles(w.guild, &vic);
    assert!(
        roles.contains(&team) && !roles.contains(&watchers),
        "{roles:?}"
    );
    assert_eq!(role_in_workspace(w, &vic).await, Some(Role::Member));
    // Discord → workspace: someone given the Watchers role joins as a Viewer.
    let walt = w.person("walt");
    w.sim.add_member_role(w.guild, &walt, watchers).await;
    wait_for_role(w, &walt, Some(Role::Viewer)).await;
    // Losing the Team role removes Vic (no other linked role left); history kept.
    w.sim.remove_member_role(w.guild, &vic, team).await;
    wait_for_role(w, &vic, None).await;
    // Admin is never granted from Discord.
    let admins = w.sim.add_role(w.guild, RoleSpec::new("Admins"));
    w.run(
        &w.alice,
        "workspace link-role",
        [role_opt("role", "Admin"), opt::role("discord-role", admins)],
    )
    .await;
    let mallory = w.person("mallory");
    w.sim.add_member_role(w.guild, &mallory, admins).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(role_in_workspace(w, &mallory).await, None);
}
e2e_test!(discord_role_links_sync_both_ways, role_links);

async fn wait_for_role(w: &World, user: &discord_sim::SimUser, expected: Option<Role>) {
    for _ in 0..100 {
        if role_in_workspace(w, user).await == expected {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("{} never became {expected:?}", user.username);
}

/// Without Manage Roles the role still changes, and the reply says what to fix.
async fn missing_manage_roles(w: &World) {
    w.create_workspace().await;
    let team = w.sim.add_role(w.guild, RoleSpec::new("Team"));
    w.run(
        &w.alice,
        "workspace link-role",
        [role_opt("role", "Member"), opt::role("discord-role", team)],
    )
    .await;
    let bob = w.person("bob");
    w.join(&bob, "Viewer").await;
    w.sim.deny_manage_roles(w.guild);
    let reply = w
        .run(
            &w.alice,
            "member role",
            [opt::user("member", bob.id), role_opt("role", "Member")],
        )
        .await;
    assert!(reply.text().contains("is now a Member"), "{}", reply.text());
    assert!(reply.text().contains("Manage Roles"), "{}", reply.text());
    assert_eq!(role_in_workspace(w, &bob).await, Some(Role::Member));
}
e2e_test!(missing_manage_roles_is_explained, missing_manage_roles);

/// Leaving the Discord server deactivates; the member shows as removed.
async fn leaving_server(w: &World) {
    w.create_workspace().await;
    let bob = w.person("bob");
    w.join(&bob, "Member").await;
    w.sim.remove_member(w.guild, &bob).await;
    wait_for_role(w, &bob, None).await;
    let list = w
        .run(
            &w.alice,
            "member list",
            [opt::boolean("include-removed", true)],
        )
        .await;
    assert!(list.text().contains("(removed)"), "{}", list.text());
}
e2e_test!(leaving_the_server_deactivates, leaving_server);

/// Transfer and delete ask for confirmation; Cancel changes nothing.
async fn confirmations(w: &World) {
    w.create_workspace().await;
    let bob = w.person("bob");
    w.join(&bob, "Member").await;
    let ask = w
        .run(
            &w.alice,
            "workspace transfer-owner",
            [opt::user("member", bob.id)],
        )
        .await;
    assert!(
        ask.ephemeral() && ask.text().contains("Make"),
        "{}",
        ask.text()
    );
    w.sim
        .click_label(&w.alice, &ask, "Cancel")
        .await
        .response()
        .await;
    assert!(w
        .sim
        .message(ask.id)
        .unwrap()
        .text()
        .contains("nothing was changed"));
    assert_eq!(role_in_workspace(w, &bob).await, Some(Role::Member));
    let ask = w
        .run(
            &w.alice,
            "workspace transfer-owner",
            [opt::user("member", bob.id)],
        )
        .await;
    let press = w
        .sim
        .click_label(&w.alice, &ask, "Transfer ownership")
        .await;
    press.response().await;
    let announcement = w
        .sim
        .wait_for_bot_message(w.general, Duration::from_secs(5), |m| {
            m.content.contains("is now the Owner")
        })
        .await;
    assert!(!announcement.ephemeral());
    assert_eq!(role_in_workspace(w, &bob).await, Some(Role::Owner));
    assert_eq!(role_in_workspace(w, &w.alice).await, Some(Role::Admin));
    // Alice may no longer delete; Bob may, after confirming.
    let refused = w.run(&w.alice, "workspace delete", no_options()).await;
    assert!(
        refused.text().contains("Only the Owner can delete"),
        "{}",
        refused.text()
    );
    let ask = w.run(&bob, "workspace delete", no_options()).await;
    w.sim
        .click_label(&bob, &ask, "Delete everything")
        .await
        .response()
        .await;
    assert!(w.sim.message(ask.id).unwrap().text().contains("deleted"));
    let gone = w.run(&bob, "workspace info", no_options()).await;
    assert!(gone.text().contains("/workspace create"), "{}", gone.text());
}
e2e_test!(transfer_and_delete_need_confirmation, confirmations);

/// /help shows exactly what the caller's role may use.
async fn help_by_role(w: &World) {
    let outsider = w.run(&w.alice, "help", no_options()).await.text();
    assert!(
        outsider.contains("/workspace create") && !outsider.contains("/member list"),
        "{outsider}"
    );
    w.create_workspace().await;
    let owner = w.run(&w.alice, "help", no_options()).await.text();
    assert!(
        owner.contains("/workspace delete")
            && owner.contains("/member role")
            && !owner.contains("/member leave"),
        "{owner}"
    );
    let gus = w.person("gus");
    w.join(&gus, "Guest").await;
    let guest = w.run(&gus, "help", no_options()).await.text();
    assert!(
        guest.contains("/help") && guest.contains("/member leave"),
        "{guest}"
    );
    assert!(
        !guest.contains("/member list") && !guest.contains("/invite"),
        "{guest}"
    );
}
e2e_test!(help_lists_what_the_role_may_use, help_by_role);

/// Hostile display names never ping anyone and are shown as plain text.
async fn hostile_names(w: &World) {
    w.create_workspace().await;
    let long = format!("@everyone {}", "x".repeat(90));
    let names = [
        "@everyone",
        "@here **bold** `code`",
        "<@&123> <@456>",
        long.as_str(),
    ];
    for (i, nick) in names.iter().enumerate() {
        let user = w.sim.add_member(
            w.guild,
            UserSpec::new(format!("hostile{i}")).global_name(*nick),
        );
        let reply = w
            .run(
                &w.alice,
                "invite user",
                [opt::user("user", user.id), role_opt("role", "Member")],
            )
            .await;
        assert!(
            !reply.content.contains("@everyone") && !reply.content.contains("@here"),
            "{}",
            reply.content
        );
        let dm = w.latest_dm(&user).await;
        w.sim
            .click_label(&user, &dm, "Accept")
            .await
            .response()
            .await;
    }
    let list = w.run(&w.alice, "member list", no_options()).await;
    assert!(list.pings().is_empty());
    for request_message in w.sim.requests() {
        let _ = request_message;
    }
    // Every message the bot sent pinged nobody (the simulator also checked each request).
    for channel in [w.general] {
        for message in w.sim.messages_in(channel) {
            assert!(
                message.pings().is_empty(),
                "message {} pings: {:?}",
                message.id,
                message.pings()
            );
        }
    }
}
e2e_test!(hostile_names_never_ping, hostile_names);

/// Autocomplete offers at most 25 choices and only what the caller may see.
async fn autocomplete(w: &World) {
    w.create_workspace().await;
    let bob = w.person("bob");
    w.run(
        &w.alice,
        "invite user",
        [opt::user("user", bob.id), role_opt("role", "Member")],
    )
    .await;
    let choices = w
        .sim
        .autocomplete(
            &w.alice,
            w.general,
            "invite revoke",
            [opt::focused("invitation", "")],
        )
        .await
        .choices()
        .await;
    assert_eq!(choices.len(), 1);
    assert!(
        choices[0].name.contains("bob as Member"),
        "{:?}",
        choices[0]
    );
    let settings = w
        .sim
        .autocomplete(
            &w.alice,
            w.general,
            "workspace set",
            [opt::focused("setting", "seat"), opt::string("value", "")],
        )
        .await
        .choices()
        .await;
    assert_eq!(
        settings.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(),
        ["seat_limit"]
    );
    // A stranger gets no invitations offered.
    let stranger = w.person("stranger");
    let none = w
        .sim
        .autocomplete(
            &stranger,
            w.general,
            "invite revoke",
            [opt::focused("invitation", "")],
        )
        .await
        .choices()
        .await;
    assert!(none.is_empty());
}
e2e_test!(autocomplete_choices, autocomplete);

/// Long lists are paginated with buttons and never cut mid-line.
async fn pagination(w: &World) {
    w.create_workspace().await;
    w.run(
        &w.alice,
        "workspace set",
        [
            opt::string("setting", "seat_limit"),
            opt::string("value", "40"),
        ],
    )
    .await;
    for i in 0..20 {
        let person = w.person(&format!("person{i:02}"));
        w.join(&person, "Member").await;
    }
    let first = w.run(&w.alice, "member list", no_options()).await;
    assert!(first.text().contains("Page 1 of 2"), "{}", first.text());
    let next = w.sim.click_label(&w.alice, &first, "Next").await;
    assert_eq!(next.response().await.kind, 7);
    let second = w.sim.message(first.id).unwrap();
    assert!(second.text().contains("Page 2 of 2"), "{}", second.text());
    let lines_on_pages = first.text().matches(" — ").count() + second.text().matches(" — ").count();
    assert_eq!(lines_on_pages, 21);
}
e2e_test!(long_lists_are_paginated, pagination);

/// With the database gone, the bot answers with a clear private error and keeps running.
async fn database_down(w: &World) {
    w.create_workspace().await;
    w.app.store.close().await;
    let reply = w.run(&w.alice, "workspace info", no_options()).await;
    assert!(reply.ephemeral());
    assert!(
        reply.text().contains("database can't be reached") && reply.text().contains("reference E"),
        "{}",
        reply.text()
    );
    assert!(
        !reply.text().to_lowercase().contains("pool"),
        "no internal detail: {}",
        reply.text()
    );
}
e2e_test!(database_down_gives_a_clear_error, database_down);

/// After the gateway drops, the bot resumes and serves the next interactions.
async fn gateway_reconnect(w: &World) {
    w.create_workspace().await;
    w.sim.disconnect_gateway();
    w.sim.wait_connected(Duration::from_secs(10)).await;
    let reply = w.run(&w.alice, "workspace info", no_options()).await;
    assert!(reply.text().contains("Seats"), "{}", reply.text());
    let stats = w.sim.gateway_stats();
    assert!(
        stats.disconnects >= 1 && stats.resumes + stats.identifies >= 2,
        "{stats:?}"
    );
}
e2e_test!(gateway_reconnect_keeps_serving, gateway_reconnect);

/// The remaining people commands, each once on its happy path.
async fn remaining_commands(w: &World) {
    w.create_workspace().await;
    let bob = w.person("bob");
    let max = w.person("max");
    w.join(&bob, "Member").await;
    w.join(&max, "Manager").await;

    let settings = w.run(&bob, "workspace settings", no_options()).await;
    assert!(
        settings.ephemeral() && settings.text().contains("`seat_limit` = **5**"),
        "{}",
        settings.text()
    );
    let set = w
        .run(
            &w.alice,
            "workspace set",
            [
                opt::string("setting", "who_can_invite"),
                opt::string("value", "anyone"),
            ],
        )
        .await;
    assert!(
        set.text()
            .contains("changed from **managers** to **anyone**"),
        "{}",
        set.text()
    );

    let info = w
        .run(&bob, "member info", [opt::user("member", max.id)])
        .await;
    assert!(info.text().contains("**Role:** Manager"), "{}", info.text());
    let assigned = w
        .run(
            &w.alice,
            "member team-manager",
            [opt::user("manager", max.id), opt::user("member", bob.id)],
        )
        .await;
    assert!(
        assigned.text().contains("is now a team manager of"),
        "{}",
        assigned.text()
    );
    let info = w.run(&bob, "member info", no_options()).await;
    assert!(
        info.text()
            .contains(&format!("**Team managers:** <@{}>", max.id.0)),
        "{}",
        info.text()
    );
    let unassigned = w
        .run(
            &w.alice,
            "member team-manager",
            [
                opt::user("manager", max.id),
                opt::user("member", bob.id),
                opt::integer("action", 1),
            ],
        )
        .await;
    assert!(
        unassigned.text().contains("is no longer a team manager"),
        "{}",
        unassigned.text()
    );

    // Invitations: list, resend, revoke; the invitee declines another one.
    let cara = w.person("cara");
    let dan = w.person("dan");
    w.run(
        &bob,
        "invite user",
        [opt::user("user", cara.id), role_opt("role", "Viewer")],
    )
    .await;
    w.run(
        &w.alice,
        "invite user",
        [opt::user("user", dan.id), role_opt("role", "Member")],
    )
    .await;
    let listed = w.run(&w.alice, "invite list", no_options()).await;
    assert!(
        listed.text().contains("as Viewer") && listed.text().contains("as Member"),
        "{}",
        listed.text()
    );
    let mine = w.run(&bob, "invite list", no_options()).await;
    assert!(
        mine.text().contains("as Viewer") && !mine.text().contains("as Member"),
        "Members see their own: {}",
        mine.text()
    );
    let id_of = |text: &str, role: &str| -> i64 {
        text.lines()
            .find(|l| l.contains(role))
            .and_then(|l| l.split('#').nth(1))
            .and_then(|s| s.split_whitespace().next())
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("no invitation as {role} in {text}"))
    };
    let cara_inv = id_of(&listed.text(), "as Viewer");
    let resent = w
        .run(
            &bob,
            "invite resend",
            [opt::integer("invitation", cara_inv)],
        )
        .await;
    assert!(
        resent.text().contains("sent to **cara** by DM"),
        "{}",
        resent.text()
    );
    assert_eq!(
        w.sim.dms_to(&cara).len(),
        2,
        "the invitation was sent again"
    );
    let revoked = w
        .run(
            &bob,
            "invite revoke",
            [opt::integer("invitation", cara_inv)],
        )
        .await;
    assert!(revoked.text().contains("revoked"), "{}", revoked.text());
    let dm = w.latest_dm(&cara).await;
    let late = w.sim.click_label(&cara, &dm, "Accept").await.reply().await;
    assert!(
        late.ephemeral() && late.text().contains("revoked"),
        "{}",
        late.text()
    );
    let dan_dm = w.latest_dm(&dan).await;
    w.sim
        .click_label(&dan, &dan_dm, "Decline")
        .await
        .response()
        .await;
    assert!(w
        .sim
        .message(dan_dm.id)
        .unwrap()
        .text()
        .contains("You declined"));
    assert_eq!(role_in_workspace(w, &dan).await, None);

    // Remove (with confirmation) and leave (with confirmation).
    let ask = w
        .run(&max, "member remove", [opt::user("member", bob.id)])
        .await;
    w.sim
        .click_label(&max, &ask, "Remove")
        .await
        .response()
        .await;
    assert!(
        w.sim
            .message(ask.id)
            .unwrap()
            .text()
            .contains("was removed"),
        "history kept message"
    );
    assert_eq!(role_in_workspace(w, &bob).await, None);
    let ask = w.run(&max, "member leave", no_options()).await;
    w.sim
        .click_label(&max, &ask, "Leave")
        .await
        .response()
        .await;
    assert!(w.sim.message(ask.id).unwrap().text().contains("You left"));
    assert_eq!(role_in_workspace(w, &max).await, None);

    // Role links: unlink; the audit log shows what happened, newest first.
    let team = w.sim.add_role(w.guild, RoleSpec::new("Team"));
    w.run(
        &w.alice,
        "workspace link-role",
        [role_opt("role", "Member"), opt::role("discord-role", team)],
    )
    .await;
    let unlinked = w
        .run(
            &w.alice,
            "workspace unlink-role",
            [role_opt("role", "Member")],
        )
        .await;
    assert!(
        unlinked.text().contains("no longer linked"),
        "{}",
        unlinked.text()
    );
    let audit = w.run(&w.alice, "workspace audit", no_options()).await;
    let text = audit.text();
    assert!(
        audit.ephemeral() && text.contains("role_link.remove") && text.contains("member.leave"),
        "{text}"
    );
}
e2e_test!(remaining_people_commands, remaining_commands);
