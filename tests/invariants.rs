//! Randomized invariants of the people rules (permissions.md: "Roles", "Workspace settings",
//! "Workspace and people", "Invitations"), on SQLite and PostgreSQL.
//!
//! Each case builds a fresh workspace with a pool of ten people (the Owner, members of every
//! role, removed members and strangers), then runs a long random sequence of people
//! operations (invite, codes, accept/decline/redeem, revoke/resend, role changes, removal,
//! leaving, ownership transfer, settings, team managers, Discord role links and the Discord
//! events that follow them, clock moves past invitation expiry, the expiry sweep), each by a
//! randomly chosen person of the pool: anyone at all, or, to keep long sequences interesting,
//! an active member, someone with powers, an outsider or an invitee. After EVERY step it checks:
//!
//! - the outcome against the rulebook: an operation succeeds exactly when permissions.md
//!   allows it in the state before the step (so Viewers, Guests, removed members and
//!   strangers never succeed at a write other than answering their own invitation, redeeming
//!   a code or leaving; nobody is ever invited as Owner; Guests never get the member list),
//!   and the `check_*` use cases answer the same and change nothing;
//! - a refused operation (any error but `Internal`) changed nothing (`support::snapshot`);
//!   an `Internal` error fails the test;
//! - every successful change wrote at least one audit entry, and a successful no-op (a
//!   setting set to its value, a team manager assigned twice, a role linked again, a read)
//!   changed nothing at all;
//! - exactly one Owner, and active; active seat holders never exceed seat_limit, active
//!   guests never exceed guest_limit; at most one pending invitation per invitee; member rows
//!   are never deleted (a removed member keeps their row, and comes back on the same row);
//! - a model of every person's role and activity, updated from the successful operations,
//!   matches the database; team-manager assignments only link active people who may hold
//!   them; the Discord roles a change reports to move follow the role links.
//!
//! The sequences come from proptest. Its value trees are not `Send`, so generation and
//! shrinking run on a thread of their own that hands each case to the async test and waits
//! for the verdict. Each case has its own RNG (from the run's seed and the case number), and
//! a failing case is shrunk (first whole runs of operations are dropped, then single
//! operations simplified), each attempt in a fresh workspace of the same database. Nothing is
//! persisted to disk.
//!
//! Knobs (environment): `CREWCLOCK_INVARIANT_CASES` (default 32), `CREWCLOCK_INVARIANT_STEPS`
//! (default 60), `CREWCLOCK_INVARIANT_SEED` (default random; printed), `CREWCLOCK_INVARIANT_CASE`
//! (run only that case number, to replay a failure), `CREWCLOCK_INVARIANT_SHRINK_RUNS`
//! (default 500). Run with `--nocapture` to see the seed, timing and coverage counts.

mod support;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;
use std::panic::AssertUnwindSafe;
use std::time::{Duration as StdDuration, Instant};

use chrono::{DateTime, Duration, Utc};
use crewclock::app::members::DiscordRoleSync;
use crewclock::app::{discord_sync, invitations, members, role_links, workspace, Clock};
use crewclock::domain::invitation::InvitationStatus;
use crewclock::domain::role_sync::follows_discord;
use crewclock::domain::settings::{InviteAccess, SettingKey, Settings};
use crewclock::domain::{DiscordRoleId, Role, UserId};
use crewclock::store::{self, invitations::Invitation, members::Member as MemberRow};
use crewclock::{Actor, AppError};
use futures::FutureExt;
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::strategy::{NewTree, Union, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use support::{snapshot, Harness, Ws};
use Role::*;

/// Two core bugs this test found, each with an ignored regression test at the end of this
/// file. Until they are fixed, the randomized checks accept what the core does today; after a
/// fix, set the flag to false (and un-ignore the regression test).
///
/// Ownership transferred to a team manager leaves the new Owner a team manager, which
/// `set_team_manager` refuses to create ("A team manager must be a Manager or an Admin").
const KNOWN_BUG_OWNER_KEEPS_TEAM: bool = false;
/// Inviting someone replaces their open invitation whoever sent it, so a Manager (or a Member
/// when who_can_invite is anyone) can do what revoke refuses them: cancel an Admin's invitation.
const KNOWN_BUG_INVITE_REPLACES_ANY: bool = false;

/// People in a case: index 0 is the workspace's creator (the first Owner), 1..=9 the others.
const POOL: usize = 10;

// ---------------------------------------------------------------------------------------------
// What a case is made of
// ---------------------------------------------------------------------------------------------

/// How a person of the pool starts.
#[derive(Debug, Clone, Copy)]
enum Init {
    Stranger,
    Active(Role),
    /// Joined with the role, then removed by the Owner.
    Removed(Role),
}

/// How a step names a person. Always a person of the pool, but not only uniformly: the
/// state-aware choices keep long sequences interesting (most random actors would otherwise
/// be refused). Resolved against the state before the step.
#[derive(Debug, Clone, Copy)]
enum Who {
    /// Anyone in the pool.
    Anyone(usize),
    /// One of the active members.
    Member(Index),
    /// An active Owner, Admin or Manager.
    Boss(Index),
    /// Someone who is not an active member (anyone, when everybody is).
    Outsider(Index),
    /// Someone with a pending invitation (anyone, when nobody has one).
    Invitee(Index),
}

/// How a step picks an invitation among those created in the case.
#[derive(Debug, Clone, Copy)]
enum Pick {
    Any(Index),
    /// One still stored as pending (any, when none is).
    Pending(Index),
}

/// One step; `P` names people: `Who` as generated, a pool index once resolved.
#[derive(Debug, Clone)]
enum Op<P = Who> {
    Invite {
        by: P,
        to: P,
        role: Role,
    },
    CreateCode {
        by: P,
        role: Role,
        uses: i64,
    },
    /// `by: None`: the invitee answers (for a code, person 1 tries).
    Accept {
        by: Option<P>,
        inv: Pick,
    },
    AcceptPending {
        by: P,
    },
    Decline {
        by: Option<P>,
        inv: Pick,
    },
    Redeem {
        by: P,
        code: Pick,
    },
    Revoke {
        by: P,
        inv: Pick,
    },
    Resend {
        by: P,
        inv: Pick,
    },
    ChangeRole {
        by: P,
        target: P,
        to: Role,
    },
    Remove {
        by: P,
        target: P,
    },
    Leave {
        by: P,
    },
    Transfer {
        by: P,
        to: P,
    },
    Set {
        by: P,
        key: &'static str,
        value: String,
    },
    TeamManager {
        by: P,
        manager: P,
        member: P,
        assign: bool,
    },
    Link {
        by: P,
        role: Role,
        discord: u64,
    },
    Unlink {
        by: P,
        role: Role,
    },
    ListMembers {
        by: P,
        inactive: bool,
    },
    /// Discord reports `who`'s roles: which of the Discord roles 1..=4 they had (`None`:
    /// unknown) and have now, as bit masks. No acting person.
    DiscordRoles {
        who: P,
        before: Option<u8>,
        after: u8,
    },
    /// `who` left the Discord server.
    LeftServer {
        who: P,
    },
    Advance {
        hours: i64,
    },
    ExpireDue,
}

impl Op<Who> {
    fn resolve(&self, f: impl Fn(Who) -> usize) -> Op<usize> {
        match self.clone() {
            Op::Invite { by, to, role } => Op::Invite {
                by: f(by),
                to: f(to),
                role,
            },
            Op::CreateCode { by, role, uses } => Op::CreateCode {
                by: f(by),
                role,
                uses,
            },
            Op::Accept { by, inv } => Op::Accept {
                by: by.map(&f),
                inv,
            },
            Op::AcceptPending { by } => Op::AcceptPending { by: f(by) },
            Op::Decline { by, inv } => Op::Decline {
                by: by.map(&f),
                inv,
            },
            Op::Redeem { by, code } => Op::Redeem { by: f(by), code },
            Op::Revoke { by, inv } => Op::Revoke { by: f(by), inv },
            Op::Resend { by, inv } => Op::Resend { by: f(by), inv },
            Op::ChangeRole { by, target, to } => Op::ChangeRole {
                by: f(by),
                target: f(target),
                to,
            },
            Op::Remove { by, target } => Op::Remove {
                by: f(by),
                target: f(target),
            },
            Op::Leave { by } => Op::Leave { by: f(by) },
            Op::Transfer { by, to } => Op::Transfer {
                by: f(by),
                to: f(to),
            },
            Op::Set { by, key, value } => Op::Set {
                by: f(by),
                key,
                value,
            },
            Op::TeamManager {
                by,
                manager,
                member,
                assign,
            } => Op::TeamManager {
                by: f(by),
                manager: f(manager),
                member: f(member),
                assign,
            },
            Op::Link { by, role, discord } => Op::Link {
                by: f(by),
                role,
                discord,
            },
            Op::Unlink { by, role } => Op::Unlink { by: f(by), role },
            Op::ListMembers { by, inactive } => Op::ListMembers {
                by: f(by),
                inactive,
            },
            Op::DiscordRoles { who, before, after } => Op::DiscordRoles {
                who: f(who),
                before,
                after,
            },
            Op::LeftServer { who } => Op::LeftServer { who: f(who) },
            Op::Advance { hours } => Op::Advance { hours },
            Op::ExpireDue => Op::ExpireDue,
        }
    }
}

impl<P> Op<P> {
    fn name(&self) -> &'static str {
        match self {
            Op::Invite { .. } => "invite_user",
            Op::CreateCode { .. } => "create_code",
            Op::Accept { .. } => "accept",
            Op::AcceptPending { .. } => "accept_pending",
            Op::Decline { .. } => "decline",
            Op::Redeem { .. } => "redeem_code",
            Op::Revoke { .. } => "revoke",
            Op::Resend { .. } => "resend",
            Op::ChangeRole { .. } => "change_role",
            Op::Remove { .. } => "remove",
            Op::Leave { .. } => "leave",
            Op::Transfer { .. } => "transfer_ownership",
            Op::Set { .. } => "set_setting",
            Op::TeamManager { assign: true, .. } => "team_manager_assign",
            Op::TeamManager { assign: false, .. } => "team_manager_unassign",
            Op::Link { .. } => "role_link",
            Op::Unlink { .. } => "role_unlink",
            Op::ListMembers { .. } => "list_members",
            Op::DiscordRoles { .. } => "discord_role_sync",
            Op::LeftServer { .. } => "discord_left_server",
            Op::Advance { .. } => "advance_clock",
            Op::ExpireDue => "expire_due",
        }
    }
}

#[derive(Debug, Clone)]
struct Case {
    ops: Vec<Op>,
    people: [Init; POOL - 1],
    /// Tried after the people joined (refused when below the seats in use).
    seat_limit: u32,
    guest_limit: u32,
}

/// An actor: anyone at all, an active member, or someone with powers.
fn actor() -> BoxedStrategy<Who> {
    prop_oneof![
        4 => (0..POOL).prop_map(Who::Anyone),
        3 => any::<Index>().prop_map(Who::Member),
        3 => any::<Index>().prop_map(Who::Boss),
    ]
    .boxed()
}

/// Someone acted upon, mostly an active member.
fn member() -> BoxedStrategy<Who> {
    prop_oneof![
        1 => (0..POOL).prop_map(Who::Anyone),
        3 => any::<Index>().prop_map(Who::Member),
    ]
    .boxed()
}

/// Someone to invite or to join, mostly not an active member.
fn outsider() -> BoxedStrategy<Who> {
    prop_oneof![
        1 => (0..POOL).prop_map(Who::Anyone),
        3 => any::<Index>().prop_map(Who::Outsider),
    ]
    .boxed()
}

/// A would-be team manager, mostly someone with powers.
fn boss() -> BoxedStrategy<Who> {
    prop_oneof![
        1 => (0..POOL).prop_map(Who::Anyone),
        1 => any::<Index>().prop_map(Who::Member),
        3 => any::<Index>().prop_map(Who::Boss),
    ]
    .boxed()
}

/// Someone answering their pending invitation (or anyone).
fn invitee() -> BoxedStrategy<Who> {
    prop_oneof![
        1 => (0..POOL).prop_map(Who::Anyone),
        3 => any::<Index>().prop_map(Who::Invitee),
    ]
    .boxed()
}

fn pick() -> BoxedStrategy<Pick> {
    prop_oneof![
        1 => any::<Index>().prop_map(Pick::Any),
        3 => any::<Index>().prop_map(Pick::Pending),
    ]
    .boxed()
}

fn joinable_role() -> BoxedStrategy<Role> {
    prop::sample::select(vec![Member, Viewer, Guest, Manager, Admin]).boxed()
}

/// Any role, the Owner now and then (which must always be refused where it is asked for).
fn any_role() -> BoxedStrategy<Role> {
    prop_oneof![7 => joinable_role(), 1 => Just(Owner)].boxed()
}

fn setting() -> BoxedStrategy<(&'static str, String)> {
    prop_oneof![
        4 => (1..=8u32).prop_map(|n| ("seat_limit", n.to_string())),
        3 => (0..=4u32).prop_map(|n| ("guest_limit", n.to_string())),
        3 => prop::sample::select(vec!["anyone", "managers"])
            .prop_map(|v| ("who_can_invite", v.to_string())),
        2 => prop::sample::select(vec!["1", "3", "14"])
            .prop_map(|v| ("invite_ttl_days", v.to_string())),
        1 => prop::sample::select(vec!["true", "false"])
            .prop_map(|v| ("members_see_others_time", v.to_string())),
        1 => Just(("seat_limit", "0".to_string())),
        1 => Just(("colour", "blue".to_string())),
    ]
    .boxed()
}

fn op() -> BoxedStrategy<Op> {
    let answerer = || prop::option::weighted(0.2, actor());
    let arms: Vec<(u32, BoxedStrategy<Op>)> = vec![
        (
            8,
            (actor(), outsider(), any_role())
                .prop_map(|(by, to, role)| Op::Invite { by, to, role })
                .boxed(),
        ),
        (
            3,
            (
                actor(),
                any_role(),
                prop_oneof![9 => 1..=3i64, 1 => Just(0i64)],
            )
                .prop_map(|(by, role, uses)| Op::CreateCode { by, role, uses })
                .boxed(),
        ),
        (
            7,
            (answerer(), pick())
                .prop_map(|(by, inv)| Op::Accept { by, inv })
                .boxed(),
        ),
        (2, invitee().prop_map(|by| Op::AcceptPending { by }).boxed()),
        (
            2,
            (answerer(), pick())
                .prop_map(|(by, inv)| Op::Decline { by, inv })
                .boxed(),
        ),
        (
            3,
            (outsider(), pick())
                .prop_map(|(by, code)| Op::Redeem { by, code })
                .boxed(),
        ),
        (
            2,
            (actor(), pick())
                .prop_map(|(by, inv)| Op::Revoke { by, inv })
                .boxed(),
        ),
        (
            2,
            (actor(), pick())
                .prop_map(|(by, inv)| Op::Resend { by, inv })
                .boxed(),
        ),
        (
            8,
            (actor(), member(), any_role())
                .prop_map(|(by, target, to)| Op::ChangeRole { by, target, to })
                .boxed(),
        ),
        (
            3,
            (actor(), member())
                .prop_map(|(by, target)| Op::Remove { by, target })
                .boxed(),
        ),
        (1, member().prop_map(|by| Op::Leave { by }).boxed()),
        (
            2,
            (actor(), member())
                .prop_map(|(by, to)| Op::Transfer { by, to })
                .boxed(),
        ),
        (
            5,
            (actor(), setting())
                .prop_map(|(by, (key, value))| Op::Set { by, key, value })
                .boxed(),
        ),
        (
            4,
            (actor(), boss(), member(), prop::bool::weighted(0.7))
                .prop_map(|(by, manager, member, assign)| Op::TeamManager {
                    by,
                    manager,
                    member,
                    assign,
                })
                .boxed(),
        ),
        (
            2,
            (actor(), any_role(), 1..=4u64)
                .prop_map(|(by, role, discord)| Op::Link { by, role, discord })
                .boxed(),
        ),
        (
            2,
            (actor(), any_role())
                .prop_map(|(by, role)| Op::Unlink { by, role })
                .boxed(),
        ),
        (
            2,
            (actor(), any::<bool>())
                .prop_map(|(by, inactive)| Op::ListMembers { by, inactive })
                .boxed(),
        ),
        (
            3,
            (
                prop_oneof![1 => member(), 1 => outsider()],
                prop::option::weighted(0.7, 0..16u8),
                0..16u8,
            )
                .prop_map(|(who, before, after)| Op::DiscordRoles { who, before, after })
                .boxed(),
        ),
        (1, member().prop_map(|who| Op::LeftServer { who }).boxed()),
        (
            3,
            // Mostly hours, sometimes past the 14-day invitation expiry.
            prop_oneof![4 => 1..=48i64, 1 => (13 * 24)..=(16 * 24i64)]
                .prop_map(|hours| Op::Advance { hours })
                .boxed(),
        ),
        (1, Just(Op::ExpireDue).boxed()),
    ];
    Union::new_weighted(arms).boxed()
}

fn init() -> BoxedStrategy<Init> {
    prop_oneof![
        2 => Just(Init::Stranger),
        6 => joinable_role().prop_map(Init::Active),
        1 => joinable_role().prop_map(Init::Removed),
    ]
    .boxed()
}

fn case_strategy(steps: usize) -> impl Strategy<Value = Case> {
    (
        Ops {
            op: op(),
            len: steps,
        },
        prop::array::uniform9(init()),
        1..=10u32,
        0..=6u32,
    )
        .prop_map(|(ops, people, seat_limit, guest_limit)| Case {
            ops,
            people,
            seat_limit,
            guest_limit,
        })
}

/// Exactly `len` operations that shrink by dropping operations (halves, quarters, … single
/// ones) before simplifying the ones left. proptest's own `vec` would make the length random.
#[derive(Debug)]
struct Ops {
    op: BoxedStrategy<Op>,
    len: usize,
}

impl Strategy for Ops {
    type Tree = OpsTree;
    type Value = Vec<Op>;

    fn new_tree(&self, runner: &mut TestRunner) -> NewTree<Self> {
        let elements = (0..self.len)
            .map(|_| self.op.new_tree(runner))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(OpsTree {
            included: vec![true; elements.len()],
            phase: Phase::Drop {
                chunk: elements.len().div_ceil(2),
                at: 0,
            },
            elements,
            undo: None,
        })
    }
}

struct OpsTree {
    elements: Vec<Box<dyn ValueTree<Value = Op>>>,
    included: Vec<bool>,
    phase: Phase,
    undo: Option<Undo>,
}

#[derive(Clone, Copy)]
enum Phase {
    Drop { chunk: usize, at: usize },
    Simplify(usize),
    Done,
}

enum Undo {
    Restore(Vec<usize>),
    Complicate(usize),
}

impl ValueTree for OpsTree {
    type Value = Vec<Op>;

    fn current(&self) -> Vec<Op> {
        self.elements
            .iter()
            .zip(&self.included)
            .filter(|(_, included)| **included)
            .map(|(element, _)| element.current())
            .collect()
    }

    fn simplify(&mut self) -> bool {
        let len = self.elements.len();
        loop {
            match self.phase {
                Phase::Drop { chunk: 0, .. } => self.phase = Phase::Simplify(0),
                Phase::Drop { chunk, at } if at >= len => {
                    self.phase = Phase::Drop {
                        chunk: chunk / 2,
                        at: 0,
                    }
                }
                Phase::Drop { chunk, at } => {
                    self.phase = Phase::Drop {
                        chunk,
                        at: at + chunk,
                    };
                    let window: Vec<usize> = (at..(at + chunk).min(len))
                        .filter(|&i| self.included[i])
                        .collect();
                    if !window.is_empty() {
                        for &i in &window {
                            self.included[i] = false;
                        }
                        self.undo = Some(Undo::Restore(window));
                        return true;
                    }
                }
                Phase::Simplify(ix) if ix >= len => self.phase = Phase::Done,
                Phase::Simplify(ix) => {
                    if self.included[ix] && self.elements[ix].simplify() {
                        self.undo = Some(Undo::Complicate(ix));
                        return true;
                    }
                    self.phase = Phase::Simplify(ix + 1);
                }
                Phase::Done => return false,
            }
        }
    }

    fn complicate(&mut self) -> bool {
        match self.undo.take() {
            None => false,
            Some(Undo::Restore(window)) => {
                for i in window {
                    self.included[i] = true;
                }
                true
            }
            Some(Undo::Complicate(ix)) if self.elements[ix].complicate() => {
                self.undo = Some(Undo::Complicate(ix));
                true
            }
            Some(Undo::Complicate(_)) => false,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Driving proptest from an async test
// ---------------------------------------------------------------------------------------------

struct RunConfig {
    cases: u64,
    steps: usize,
    seed: u64,
    only_case: Option<u64>,
    shrink_runs: u32,
}

fn env_number(name: &str) -> Option<u64> {
    let raw = std::env::var(name).ok()?;
    Some(
        raw.trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name} must be a number, not '{raw}'")),
    )
}

impl RunConfig {
    fn from_env() -> RunConfig {
        RunConfig {
            cases: env_number("CREWCLOCK_INVARIANT_CASES").unwrap_or(32),
            steps: env_number("CREWCLOCK_INVARIANT_STEPS").unwrap_or(60) as usize,
            seed: env_number("CREWCLOCK_INVARIANT_SEED").unwrap_or_else(rand::random),
            only_case: env_number("CREWCLOCK_INVARIANT_CASE"),
            shrink_runs: env_number("CREWCLOCK_INVARIANT_SHRINK_RUNS").unwrap_or(500) as u32,
        }
    }

    fn case_numbers(&self) -> Vec<u64> {
        match self.only_case {
            Some(case) => vec![case],
            None => (0..self.cases).collect(),
        }
    }

    /// Each case has its own RNG, so one case replays without the ones before it.
    fn runner(&self, case: u64) -> TestRunner {
        let mut seed = [0u8; 32];
        seed[..8].copy_from_slice(&self.seed.to_le_bytes());
        seed[8..16].copy_from_slice(&case.to_le_bytes());
        // Only the RNG is used (shrinking is ours); never write persistence files.
        let config = Config {
            failure_persistence: None,
            ..Config::default()
        };
        TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &seed))
    }
}

/// Per operation: (succeeded, refused), to show what a run covered.
#[derive(Default)]
struct Stats {
    by_op: BTreeMap<&'static str, (u32, u32)>,
    steps: u64,
}

impl Stats {
    fn count<P>(&mut self, op: &Op<P>, ok: bool) {
        let entry = self.by_op.entry(op.name()).or_default();
        if ok {
            entry.0 += 1;
        } else {
            entry.1 += 1;
        }
        self.steps += 1;
    }

    fn table(&self) -> String {
        let mut out = String::new();
        for (name, (ok, refused)) in &self.by_op {
            let _ = writeln!(out, "  {name:<22} ok {ok:>5}  refused {refused:>5}");
        }
        out
    }
}

/// A request from the proptest thread to the async test: run this case (counting it in
/// the coverage table when `main`), or the final verdict.
enum Request {
    Run { case: Case, main: bool },
    Finished(Result<(), String>),
}

async fn random_people_operations(h: &Harness) {
    let cfg = RunConfig::from_env();
    let kind = h.kind;
    eprintln!(
        "invariants [{kind:?}]: seed {} ({} cases x {} steps); replay a case with \
         CREWCLOCK_INVARIANT_SEED={} CREWCLOCK_INVARIANT_CASE=<n>",
        cfg.seed,
        cfg.case_numbers().len(),
        cfg.steps,
        cfg.seed
    );
    let start = h.clock.now();
    let began = Instant::now();
    let mut stats = Stats::default();
    // proptest's value trees are not `Send`, so they live on a thread of their own, which
    // hands each case (and each shrink attempt) to this async test and waits for the verdict.
    let (requests, mut incoming) = tokio::sync::mpsc::unbounded_channel::<Request>();
    let (verdicts, verdict) = std::sync::mpsc::channel::<Result<(), String>>();
    let driver = std::thread::spawn(move || {
        let mut eval = |case: Case, main: bool| {
            requests
                .send(Request::Run { case, main })
                .map_err(|_| "the test stopped listening".to_string())?;
            verdict
                .recv()
                .map_err(|_| "the test stopped answering".to_string())?
        };
        let outcome = drive(&cfg, kind, &mut eval);
        let _ = requests.send(Request::Finished(outcome));
    });
    let mut finished = None;
    while let Some(request) = incoming.recv().await {
        match request {
            Request::Run { case, main } => {
                let mut scratch = Stats::default();
                let counted = if main { &mut stats } else { &mut scratch };
                let outcome = run_caught(h, start, &case, counted).await;
                let _ = verdicts.send(outcome);
            }
            Request::Finished(outcome) => finished = Some(outcome),
        }
    }
    if driver.join().is_err() {
        panic!("the proptest driver thread panicked");
    }
    match finished {
        Some(Ok(())) => eprintln!(
            "invariants [{kind:?}]: {} steps in {:.1?}\n{}",
            stats.steps,
            began.elapsed(),
            stats.table()
        ),
        Some(Err(report)) => panic!("{report}"),
        None => panic!("the proptest driver stopped without a verdict"),
    }
}
db_test!(
    random_people_operations_keep_invariants,
    random_people_operations
);

/// Generates the cases and shrinks a failing one; `eval` runs a case on the database.
fn drive(
    cfg: &RunConfig,
    kind: store::DbKind,
    eval: &mut dyn FnMut(Case, bool) -> Result<(), String>,
) -> Result<(), String> {
    let strategy = case_strategy(cfg.steps);
    for case_no in cfg.case_numbers() {
        let mut runner = cfg.runner(case_no);
        let mut tree = strategy
            .new_tree(&mut runner)
            .map_err(|e| format!("generating case {case_no}: {e}"))?;
        let case = tree.current();
        if let Err(failure) = eval(case.clone(), true) {
            eprintln!("invariants [{kind:?}]: case {case_no} failed; shrinking…\n{failure}");
            let (minimal, why, runs) = shrink(&mut tree, case, failure, cfg, eval);
            return Err(format!(
                "invariant broken on {kind:?} (seed {seed}, case {case_no}; replay with \
                 CREWCLOCK_INVARIANT_SEED={seed} CREWCLOCK_INVARIANT_CASE={case_no}).\n\
                 Smallest failing case after {runs} shrink runs: people {people:?}, \
                 seat_limit {seats}, guest_limit {guests}, {n} ops:\n{ops}\n{why}",
                seed = cfg.seed,
                people = minimal.people,
                seats = minimal.seat_limit,
                guests = minimal.guest_limit,
                n = minimal.ops.len(),
                ops = minimal
                    .ops
                    .iter()
                    .enumerate()
                    .map(|(i, op)| format!("  #{i} {op:?}"))
                    .collect::<Vec<_>>()
                    .join("\n"),
            ));
        }
    }
    Ok(())
}

/// proptest's shrink loop: keep simplifying while the case still fails.
fn shrink(
    tree: &mut impl ValueTree<Value = Case>,
    case: Case,
    failure: String,
    cfg: &RunConfig,
    eval: &mut dyn FnMut(Case, bool) -> Result<(), String>,
) -> (Case, String, u32) {
    let began = Instant::now();
    let mut best = (case, failure);
    // Restoring a dropped operation gives back a case already seen to fail: don't rerun it.
    let mut seen: HashMap<String, Option<String>> = HashMap::new();
    let mut runs = 0;
    if !tree.simplify() {
        return (best.0, best.1, runs);
    }
    while runs < cfg.shrink_runs && began.elapsed() < StdDuration::from_secs(300) {
        let candidate = tree.current();
        let key = format!("{candidate:?}");
        let outcome = match seen.get(&key) {
            Some(outcome) => outcome.clone(),
            None => {
                runs += 1;
                let outcome = eval(candidate.clone(), false).err();
                seen.insert(key, outcome.clone());
                outcome
            }
        };
        let more = match outcome {
            Some(why) => {
                best = (candidate, why);
                tree.simplify()
            }
            None => tree.complicate(),
        };
        if !more {
            break;
        }
    }
    (best.0, best.1, runs)
}

/// Runs a case, turning a panic anywhere in it into a failure message.
async fn run_caught(
    h: &Harness,
    start: DateTime<Utc>,
    case: &Case,
    stats: &mut Stats,
) -> Result<(), String> {
    match AssertUnwindSafe(run_case(h, start, case, stats))
        .catch_unwind()
        .await
    {
        Ok(outcome) => outcome,
        Err(panic) => Err(panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .map(|m| format!("panicked: {m}"))
            .unwrap_or_else(|| "panicked".into())),
    }
}

// ---------------------------------------------------------------------------------------------
// One case
// ---------------------------------------------------------------------------------------------

macro_rules! ensure {
    ($cond:expr, $($fmt:tt)+) => {
        if !$cond {
            return Err(format!($($fmt)+));
        }
    };
}

fn db<T>(outcome: Result<T, store::StoreError>) -> Result<T, String> {
    outcome.map_err(|e| format!("database error while checking: {e}"))
}

/// The people state of the workspace after a step.
struct Snap {
    text: String,
    members: Vec<MemberRow>,
    settings: Settings,
    pending: Vec<Invitation>,
    team: Vec<(i64, i64)>,
    links: Vec<(Role, DiscordRoleId)>,
    audit: i64,
}

impl Snap {
    fn row(&self, user: UserId) -> Option<&MemberRow> {
        self.members.iter().find(|m| m.user_id == user)
    }
    fn active(&self, user: UserId) -> Option<&MemberRow> {
        self.row(user).filter(|m| m.active)
    }
    fn seats(&self) -> u32 {
        self.members
            .iter()
            .filter(|m| m.active && m.role.takes_seat())
            .count() as u32
    }
    fn guests(&self) -> u32 {
        self.members
            .iter()
            .filter(|m| m.active && m.role == Guest)
            .count() as u32
    }
    fn pending_for(&self, user: UserId) -> Vec<&Invitation> {
        self.pending
            .iter()
            .filter(|inv| inv.invitee == Some(user))
            .collect()
    }
    fn link_of(&self, role: Role) -> Option<DiscordRoleId> {
        self.links.iter().find(|(r, _)| *r == role).map(|(_, d)| *d)
    }
}

/// What a successful step returned.
enum Outcome {
    Invited(Invitation),
    Joined(invitations::Joined),
    Answered(Invitation),
    RoleChanged(members::RoleChanged),
    Removed(members::Removed),
    Transferred(workspace::OwnershipTransferred),
    SettingChanged(workspace::SettingChanged),
    TeamManager(members::TeamManagerChanged),
    Linked(Option<DiscordRoleId>),
    Unlinked(DiscordRoleId),
    Listed(Vec<MemberRow>),
    Synced(Option<discord_sync::SyncOutcome>),
    LeftServer(Option<MemberRow>),
    Expired(u64),
    Advanced,
}

/// A step with its actor and invitation resolved against the state before it.
struct Ctx {
    actor: Option<usize>,
    /// The invitation the step is about, as it was before the step.
    inv: Option<Invitation>,
    /// The code typed for `Redeem`.
    code: String,
    now: DateTime<Utc>,
}

struct World<'h> {
    h: &'h Harness,
    ws: Ws,
    ws_id: i64,
    pool: Vec<Actor>,
    /// Every invitation and code created in this case, in order.
    invs: Vec<Invitation>,
    /// Expected (role, active) of each person's member row, from the successful steps.
    model: Vec<Option<(Role, bool)>>,
    /// Each person's member row id once they have one: it never changes.
    row_ids: Vec<Option<i64>>,
    /// Member rows, removed ones included, after the last step: this never goes down.
    rows: usize,
    trace: Vec<String>,
}

async fn run_case(
    h: &Harness,
    start: DateTime<Utc>,
    case: &Case,
    stats: &mut Stats,
) -> Result<(), String> {
    h.clock.set(start);
    let mut w = setup(h, case).await?;
    let mut pre = w.load().await?;
    w.check_state(&pre).await?;
    for (i, op) in case.ops.iter().enumerate() {
        let post = w
            .step(&pre, op, stats)
            .await
            .map_err(|e| format!("step #{i} {op:?}: {e}\n{}", w.trace_tail()))?;
        w.check_state(&post)
            .await
            .map_err(|e| format!("after step #{i} {op:?}: {e}\n{}", w.trace_tail()))?;
        pre = post;
    }
    Ok(())
}

async fn setup<'h>(h: &'h Harness, case: &Case) -> Result<World<'h>, String> {
    let ws = h.workspace().await;
    ws.seats(POOL as u32).await;
    let mut pool = vec![ws.owner.clone()];
    for (i, init) in case.people.iter().enumerate() {
        let name = format!("P{}", i + 1);
        let person = match *init {
            Init::Stranger => ws.stranger(&name),
            Init::Active(role) => ws.add(role, &name).await,
            Init::Removed(role) => {
                let person = ws.add(role, &name).await;
                members::remove(&ws.app, &ws.owner, person.user)
                    .await
                    .map_err(|e| format!("setup: removing {name}: {e:?}"))?;
                person
            }
        };
        pool.push(person);
    }
    for (key, value) in [
        ("seat_limit", case.seat_limit),
        ("guest_limit", case.guest_limit),
    ] {
        match workspace::set_setting(&ws.app, &ws.owner, key, &value.to_string()).await {
            Ok(_) | Err(AppError::Conflict(_)) => {}
            Err(e) => return Err(format!("setup: {key}={value}: {e:?}")),
        }
    }
    let ws_id = {
        let mut conn = db(ws.app.store.conn().await)?;
        db(store::workspaces::find_by_guild(&mut conn, ws.guild).await)?
            .ok_or("setup: no workspace")?
            .id
    };
    let mut w = World {
        h,
        ws,
        ws_id,
        pool,
        invs: Vec::new(),
        model: vec![None; POOL],
        row_ids: vec![None; POOL],
        rows: 0,
        trace: Vec::new(),
    };
    let snap = w.load().await?;
    for (i, person) in w.pool.iter().enumerate() {
        w.model[i] = snap.row(person.user).map(|m| (m.role, m.active));
        w.row_ids[i] = snap.row(person.user).map(|m| m.id);
    }
    Ok(w)
}

impl World<'_> {
    fn trace_tail(&self) -> String {
        let skip = self.trace.len().saturating_sub(80);
        let lines: Vec<String> = self.trace[skip..]
            .iter()
            .enumerate()
            .map(|(i, line)| format!("  step {}: {line}", skip + i))
            .collect();
        format!(
            "trace (people as [pool index] name (role before the step)):\n{}",
            lines.join("\n")
        )
    }

    fn who(&self, i: usize) -> String {
        let role = match self.model[i] {
            Some((role, true)) => role.label().to_string(),
            Some((role, false)) => format!("removed {}", role.label()),
            None => "stranger".into(),
        };
        format!("[{i}] {} ({role})", self.pool[i].name)
    }

    fn index_of(&self, user: UserId) -> Option<usize> {
        self.pool.iter().position(|p| p.user == user)
    }

    async fn load(&self) -> Result<Snap, String> {
        let app = &self.ws.app;
        let text = snapshot(app, self.ws.guild).await;
        let mut conn = db(app.store.conn().await)?;
        let id = self.ws_id;
        Ok(Snap {
            text,
            members: db(store::members::list(&mut conn, id, true).await)?,
            settings: db(store::workspaces::load_settings(&mut conn, id).await)?,
            pending: db(store::invitations::list_pending(&mut conn, id).await)?,
            team: db(store::team::list(&mut conn, id).await)?,
            links: db(store::role_links::list(&mut conn, id).await)?,
            audit: db(store::audit::count(&mut conn, id).await)?,
        })
    }

    async fn invitation(&self, id: i64) -> Result<Option<Invitation>, String> {
        let mut conn = db(self.ws.app.store.conn().await)?;
        db(store::invitations::find(&mut conn, id).await)
    }

    /// The pool index a `Who` names in the state `pre`.
    fn person(&self, pre: &Snap, who: Who) -> usize {
        let among = |index: Index, keep: &dyn Fn(Option<&MemberRow>) -> bool| {
            let candidates: Vec<usize> = (0..POOL)
                .filter(|&i| keep(pre.active(self.pool[i].user)))
                .collect();
            if candidates.is_empty() {
                index.index(POOL)
            } else {
                candidates[index.index(candidates.len())]
            }
        };
        match who {
            Who::Anyone(i) => i,
            Who::Member(index) => among(index, &|m| m.is_some()),
            Who::Boss(index) => among(index, &|m| m.is_some_and(|m| m.role >= Manager)),
            Who::Outsider(index) => among(index, &|m| m.is_none()),
            Who::Invitee(index) => {
                let invited: Vec<usize> = (0..POOL)
                    .filter(|&i| !pre.pending_for(self.pool[i].user).is_empty())
                    .collect();
                if invited.is_empty() {
                    index.index(POOL)
                } else {
                    invited[index.index(invited.len())]
                }
            }
        }
    }

    /// The invitation (or code) a `Pick` names in the state `pre`.
    fn pick(&self, pre: &Snap, pick: Pick, codes_only: bool) -> Option<&Invitation> {
        let of_kind = |inv: &&Invitation| !codes_only || inv.code.is_some();
        let all: Vec<&Invitation> = self.invs.iter().filter(of_kind).collect();
        let pending: Vec<&Invitation> = all
            .iter()
            .copied()
            .filter(|inv| pre.pending.iter().any(|p| p.id == inv.id))
            .collect();
        let (index, candidates) = match pick {
            Pick::Pending(index) if !pending.is_empty() => (index, pending),
            Pick::Any(index) | Pick::Pending(index) => (index, all),
        };
        (!candidates.is_empty()).then(|| candidates[index.index(candidates.len())])
    }

    /// Who acts and on which invitation, as of the state before the step.
    async fn resolve(&self, pre: &Snap, op: &Op<usize>) -> Result<Ctx, String> {
        let now = self.h.clock.now();
        let mut ctx = Ctx {
            actor: None,
            inv: None,
            code: String::new(),
            now,
        };
        let picked = match op {
            Op::Accept { inv, .. }
            | Op::Decline { inv, .. }
            | Op::Revoke { inv, .. }
            | Op::Resend { inv, .. } => self.pick(pre, *inv, false).map(|inv| inv.id),
            Op::Redeem { code, .. } => self.pick(pre, *code, true).map(|inv| inv.id),
            Op::AcceptPending { by } => {
                let mine = pre.pending_for(self.pool[*by].user);
                mine.first().map(|inv| inv.id)
            }
            _ => None,
        };
        if let Some(id) = picked {
            ctx.inv = self.invitation(id).await?;
            ensure!(ctx.inv.is_some(), "invitation #{id} disappeared");
        }
        ctx.actor = match op {
            Op::Accept { by, .. } | Op::Decline { by, .. } => Some(by.unwrap_or_else(|| {
                ctx.inv
                    .as_ref()
                    .and_then(|inv| inv.invitee)
                    .and_then(|user| self.index_of(user))
                    .unwrap_or(1)
            })),
            Op::Invite { by, .. }
            | Op::CreateCode { by, .. }
            | Op::AcceptPending { by }
            | Op::Redeem { by, .. }
            | Op::Revoke { by, .. }
            | Op::Resend { by, .. }
            | Op::ChangeRole { by, .. }
            | Op::Remove { by, .. }
            | Op::Leave { by }
            | Op::Transfer { by, .. }
            | Op::Set { by, .. }
            | Op::TeamManager { by, .. }
            | Op::Link { by, .. }
            | Op::Unlink { by, .. }
            | Op::ListMembers { by, .. } => Some(*by),
            // No acting person: the person the event is about.
            Op::DiscordRoles { who, .. } | Op::LeftServer { who } => Some(*who),
            Op::Advance { .. } | Op::ExpireDue => None,
        };
        if let Op::Redeem { .. } = op {
            // With no code yet, a well-formed code that does not exist.
            ctx.code = ctx
                .inv
                .as_ref()
                .and_then(|inv| inv.code.clone())
                .unwrap_or_else(|| "ABCD-EFGHJK".into());
        }
        Ok(ctx)
    }

    async fn execute(&self, op: &Op<usize>, ctx: &Ctx) -> Result<Outcome, AppError> {
        let app = &self.ws.app;
        let me = || &self.pool[ctx.actor.expect("an actor")];
        let user = |i: usize| self.pool[i].user;
        // A well-formed id of no invitation, for steps before any invitation exists.
        let inv_id = ctx.inv.as_ref().map_or(-1, |inv| inv.id);
        match op {
            Op::Invite { to, role, .. } => {
                invitations::invite_user(app, me(), user(*to), &self.pool[*to].name, *role)
                    .await
                    .map(Outcome::Invited)
            }
            Op::CreateCode { role, uses, .. } => invitations::create_code(app, me(), *role, *uses)
                .await
                .map(Outcome::Invited),
            Op::Accept { .. } => invitations::accept(app, me(), inv_id)
                .await
                .map(Outcome::Joined),
            Op::AcceptPending { .. } => invitations::accept_pending(app, me())
                .await
                .map(Outcome::Joined),
            Op::Decline { .. } => invitations::decline(app, me(), inv_id)
                .await
                .map(Outcome::Answered),
            Op::Redeem { .. } => invitations::redeem_code(app, me(), &ctx.code)
                .await
                .map(Outcome::Joined),
            Op::Revoke { .. } => invitations::revoke(app, me(), inv_id)
                .await
                .map(Outcome::Answered),
            Op::Resend { .. } => invitations::resend(app, me(), inv_id)
                .await
                .map(Outcome::Answered),
            Op::ChangeRole { target, to, .. } => {
                members::change_role(app, me(), user(*target), *to)
                    .await
                    .map(Outcome::RoleChanged)
            }
            Op::Remove { target, .. } => members::remove(app, me(), user(*target))
                .await
                .map(Outcome::Removed),
            Op::Leave { .. } => members::leave(app, me()).await.map(Outcome::Removed),
            Op::Transfer { to, .. } => workspace::transfer_ownership(app, me(), user(*to))
                .await
                .map(Outcome::Transferred),
            Op::Set { key, value, .. } => workspace::set_setting(app, me(), key, value)
                .await
                .map(Outcome::SettingChanged),
            Op::TeamManager {
                manager,
                member,
                assign,
                ..
            } => members::set_team_manager(app, me(), user(*manager), user(*member), *assign)
                .await
                .map(Outcome::TeamManager),
            Op::Link { role, discord, .. } => {
                role_links::link(app, me(), *role, DiscordRoleId(*discord))
                    .await
                    .map(Outcome::Linked)
            }
            Op::Unlink { role, .. } => role_links::unlink(app, me(), *role)
                .await
                .map(Outcome::Unlinked),
            Op::ListMembers { inactive, .. } => members::list(app, me(), *inactive)
                .await
                .map(Outcome::Listed),
            Op::DiscordRoles { before, after, .. } => {
                let before = before.map(discord_roles);
                discord_sync::sync_member_roles(
                    app,
                    self.ws.guild,
                    me().user,
                    &me().name,
                    before.as_deref(),
                    &discord_roles(*after),
                )
                .await
                .map(Outcome::Synced)
            }
            Op::LeftServer { .. } => {
                discord_sync::member_left_server(app, self.ws.guild, me().user)
                    .await
                    .map(|left| Outcome::LeftServer(left.map(|l| l.member)))
            }
            Op::Advance { hours } => {
                self.h.clock.advance(Duration::hours(*hours));
                Ok(Outcome::Advanced)
            }
            Op::ExpireDue => invitations::expire_due(app).await.map(Outcome::Expired),
        }
    }

    /// Runs one step and checks it against the rulebook; returns the state after it.
    async fn step(&mut self, pre: &Snap, op: &Op, stats: &mut Stats) -> Result<Snap, String> {
        let op = &op.resolve(|who| self.person(pre, who));
        let ctx = self.resolve(pre, op).await?;
        let verdict = self.rulebook(pre, op, &ctx);
        self.dry_run(pre, op, &ctx, &verdict).await?;
        let result = self.execute(op, &ctx).await;
        let post = self.load().await?;
        stats.count(op, result.is_ok());
        self.trace.push(format!(
            "{} {op:?}{} -> {}",
            ctx.actor
                .map(|i| self.who(i))
                .unwrap_or_else(|| "clock".into()),
            ctx.inv
                .as_ref()
                .map(|inv| format!(
                    " [invitation #{} {:?} {:?} for {:?}, expires {}]",
                    inv.id,
                    inv.status,
                    inv.role,
                    inv.invitee.and_then(|u| self.index_of(u)),
                    inv.expires_at
                ))
                .unwrap_or_default(),
            match &result {
                Ok(_) => "ok".to_string(),
                Err(e) => format!("{}: {e}", e.kind()),
            }
        ));
        match result {
            Err(AppError::Internal(internal)) => Err(format!("internal error: {internal:?}")),
            Err(refusal) => {
                ensure!(
                    post.text == pre.text,
                    "refused ({refusal:?}) but the state changed:\nbefore:\n{}\nafter:\n{}",
                    pre.text,
                    post.text
                );
                if let (Op::ListMembers { .. }, Some(Guest)) =
                    (op, self.active_role(pre, ctx.actor))
                {
                    ensure!(
                        matches!(refusal, AppError::Denied(_)),
                        "a Guest asking for the member list must be Denied, got {refusal:?}"
                    );
                }
                match verdict {
                    Err(_) => Ok(post),
                    Ok(()) => Err(format!(
                        "the rulebook allows this, but it was refused: {refusal:?}"
                    )),
                }
            }
            Ok(outcome) => {
                if let Err(why) = verdict {
                    return Err(format!("succeeded, but the rulebook refuses it: {why}"));
                }
                // Belt and braces for the rule the rulebook check already covers: Viewers,
                // Guests, removed members and strangers write nothing but their own answers.
                let answering_for_themselves = matches!(
                    op,
                    Op::Accept { .. }
                        | Op::AcceptPending { .. }
                        | Op::Decline { .. }
                        | Op::Redeem { .. }
                        | Op::Leave { .. }
                        | Op::ListMembers { .. }
                        | Op::DiscordRoles { .. }
                        | Op::LeftServer { .. }
                        | Op::Advance { .. }
                        | Op::ExpireDue
                );
                let role = self.active_role(pre, ctx.actor);
                ensure!(
                    answering_for_themselves || role.is_some_and(|r| r >= Member),
                    "{} succeeded by someone who is {role:?}",
                    op.name()
                );
                self.check_success(pre, &post, op, &ctx, outcome).await?;
                Ok(post)
            }
        }
    }

    /// The `check_*` use cases (asked before a confirmation button) must change nothing and
    /// answer exactly as the real operation will.
    async fn dry_run(
        &self,
        pre: &Snap,
        op: &Op<usize>,
        ctx: &Ctx,
        verdict: &Result<(), String>,
    ) -> Result<(), String> {
        let app = &self.ws.app;
        let me = || &self.pool[ctx.actor.expect("an actor")];
        let (name, checked) = match op {
            Op::Remove { target, .. } => (
                "check_remove",
                members::check_remove(app, me(), self.pool[*target].user)
                    .await
                    .map(drop),
            ),
            Op::Leave { .. } => ("check_leave", members::check_leave(app, me()).await),
            Op::Transfer { to, .. } => (
                "check_transfer_ownership",
                workspace::check_transfer_ownership(app, me(), self.pool[*to].user).await,
            ),
            _ => return Ok(()),
        };
        ensure!(
            !matches!(checked, Err(AppError::Internal(_))),
            "{name}: {checked:?}"
        );
        ensure!(
            snapshot(app, self.ws.guild).await == pre.text,
            "{name} changed the state"
        );
        ensure!(
            checked.is_ok() == verdict.is_ok(),
            "{name} answered {checked:?}, but the rulebook says {verdict:?}"
        );
        Ok(())
    }

    fn active_role(&self, snap: &Snap, who: Option<usize>) -> Option<Role> {
        who.and_then(|i| snap.active(self.pool[i].user))
            .map(|m| m.role)
    }

    /// Whether permissions.md lets this step succeed in the state `pre`; `Err` says why not.
    fn rulebook(&self, pre: &Snap, op: &Op<usize>, ctx: &Ctx) -> Result<(), String> {
        let user = |i: usize| self.pool[i].user;
        let active = |i: usize| pre.active(user(i));
        let me = || {
            ctx.actor
                .and_then(active)
                .ok_or_else(|| "the actor is not an active member".to_string())
        };
        let inv = || {
            ctx.inv
                .as_ref()
                .ok_or_else(|| "there is no such invitation".to_string())
        };
        let open = |inv: &Invitation| -> Result<(), String> {
            ensure!(
                inv.status == InvitationStatus::Pending,
                "the invitation is {:?}",
                inv.status
            );
            ensure!(ctx.now < inv.expires_at, "the invitation has expired");
            Ok(())
        };
        let joins = |inv: &Invitation| -> Result<(), String> {
            open(inv)?;
            let actor = ctx.actor.expect("an actor");
            ensure!(active(actor).is_none(), "the actor is already a member");
            room_for(pre, None, inv.role)
        };
        let is_invitee = |inv: &Invitation| -> Result<(), String> {
            ensure!(
                inv.invitee.is_some() && inv.invitee == ctx.actor.map(user),
                "the invitation is for someone else"
            );
            Ok(())
        };
        match op {
            Op::Invite { by, to, role } => {
                ensure!(by != to, "nobody invites themselves");
                let me = me()?;
                may_invite(me.role, *role, &pre.settings)?;
                ensure!(active(*to).is_none(), "the invitee is already a member");
                if !KNOWN_BUG_INVITE_REPLACES_ANY {
                    // Replacing an open invitation revokes it: only for those who may revoke it.
                    for previous in pre.pending_for(user(*to)) {
                        if ctx.now < previous.expires_at {
                            may_manage(me, previous).map_err(|why| format!("replacing: {why}"))?;
                        }
                    }
                }
                Ok(())
            }
            Op::CreateCode { role, uses, .. } => {
                ensure!((1..=1000).contains(uses), "uses must be 1 to 1000");
                may_invite(me()?.role, *role, &pre.settings)
            }
            Op::Accept { .. } | Op::Decline { .. } => {
                let inv = inv()?;
                is_invitee(inv)?;
                if let Op::Accept { .. } = op {
                    joins(inv)
                } else {
                    open(inv)
                }
            }
            Op::AcceptPending { .. } => {
                let inv = inv()?;
                is_invitee(inv)?;
                joins(inv)
            }
            Op::Redeem { .. } => joins(inv()?),
            Op::Revoke { .. } | Op::Resend { .. } => {
                let me = me()?;
                let inv = inv()?;
                open(inv)?;
                may_manage(me, inv)
            }
            Op::ChangeRole { by, target, to } => {
                let me = me()?;
                let target_row = active(*target).ok_or("the target is not an active member")?;
                ensure!(by != target, "nobody changes their own role");
                ensure!(*to != Owner, "the Owner role moves only by transfer");
                ensure!(target_row.role != Owner, "the Owner's role never changes");
                match me.role {
                    Owner => {}
                    Admin => ensure!(
                        target_row.role != Admin,
                        "only the Owner takes the Admin role away"
                    ),
                    Manager => ensure!(
                        target_row.role <= Member && *to <= Member,
                        "Managers change only among Member/Viewer/Guest"
                    ),
                    role => return Err(format!("{role}s can't change roles")),
                }
                ensure!(target_row.role != *to, "the target already has that role");
                room_for(pre, Some(target_row.role), *to)
            }
            Op::Remove { by, target } => {
                let me = me()?;
                let target_row = pre.row(user(*target)).ok_or("the target is not a member")?;
                ensure!(by != target, "nobody removes themselves");
                ensure!(target_row.role != Owner, "the Owner can't be removed");
                match me.role {
                    Owner => {}
                    Admin => ensure!(target_row.role != Admin, "only the Owner removes an Admin"),
                    Manager => ensure!(
                        target_row.role <= Member,
                        "Managers remove only Members, Viewers and Guests"
                    ),
                    role => return Err(format!("{role}s can't remove people")),
                }
                ensure!(target_row.active, "the target was already removed");
                Ok(())
            }
            Op::Leave { .. } => {
                ensure!(
                    me()?.role != Owner,
                    "the Owner must transfer ownership first"
                );
                Ok(())
            }
            Op::Transfer { by, to } => {
                ensure!(me()?.role == Owner, "only the Owner transfers ownership");
                let target = active(*to).ok_or("the new owner must be an active member")?;
                ensure!(by != to, "the Owner already owns it");
                ensure!(target.role != Guest, "ownership never goes to a Guest");
                room_for(pre, Some(target.role), Owner)
            }
            Op::Set { key, value, .. } => {
                let key = SettingKey::parse(key).map_err(|e| e.0)?;
                let role = me()?.role;
                if key.is_billing() {
                    ensure!(role == Owner, "only the Owner changes {key}");
                } else {
                    ensure!(
                        role.is_admin(),
                        "only the Owner or an Admin changes settings"
                    );
                }
                let next = pre.settings.with(key, value).map_err(|e| e.0)?;
                ensure!(
                    next.seat_limit >= pre.seats(),
                    "seat_limit below the seats in use"
                );
                ensure!(
                    next.guest_limit >= pre.guests(),
                    "guest_limit below the guests"
                );
                Ok(())
            }
            Op::TeamManager {
                manager,
                member,
                assign,
                ..
            } => {
                ensure!(
                    me()?.role.is_admin(),
                    "only the Owner or an Admin assigns team managers"
                );
                let manager_row = active(*manager).ok_or("the manager is not an active member")?;
                let member_row = active(*member).ok_or("the member is not an active member")?;
                if *assign {
                    ensure!(
                        matches!(manager_row.role, Manager | Admin),
                        "a team manager must be a Manager or an Admin"
                    );
                    ensure!(manager != member, "nobody is their own team manager");
                    ensure!(
                        member_row.role.can_track_time(),
                        "only people who track time have team managers"
                    );
                }
                Ok(())
            }
            Op::Link { role, discord, .. } => {
                ensure!(
                    me()?.role.is_admin(),
                    "only the Owner or an Admin links roles"
                );
                ensure!(*role != Owner, "the Owner role is never linked");
                ensure!(
                    !pre.links
                        .iter()
                        .any(|(r, d)| *d == DiscordRoleId(*discord) && r != role),
                    "that Discord role is linked to another role"
                );
                Ok(())
            }
            Op::Unlink { role, .. } => {
                ensure!(
                    me()?.role.is_admin(),
                    "only the Owner or an Admin unlinks roles"
                );
                ensure!(*role != Owner, "the Owner role is never linked");
                ensure!(pre.link_of(*role).is_some(), "the role is not linked");
                Ok(())
            }
            Op::ListMembers { .. } => {
                ensure!(me()?.role != Guest, "Guests never see the member list");
                Ok(())
            }
            // Events from Discord are never refused; what they may do is checked afterwards.
            Op::DiscordRoles { .. } | Op::LeftServer { .. } => Ok(()),
            Op::Advance { .. } | Op::ExpireDue => Ok(()),
        }
    }

    /// What a successful step must have done; updates the model.
    async fn check_success(
        &mut self,
        pre: &Snap,
        post: &Snap,
        op: &Op<usize>,
        ctx: &Ctx,
        outcome: Outcome,
    ) -> Result<(), String> {
        let user = |i: usize| self.pool[i].user;
        let audited = || -> Result<(), String> {
            ensure!(
                post.audit > pre.audit,
                "a successful change wrote no audit entry"
            );
            Ok(())
        };
        let unchanged = |what: &str| -> Result<(), String> {
            ensure!(
                post.text == pre.text,
                "{what} changed the state:\nbefore:\n{}\nafter:\n{}",
                pre.text,
                post.text
            );
            Ok(())
        };
        let ttl = Duration::days(i64::from(pre.settings.invite_ttl_days));
        let actor = ctx.actor;
        match (op, outcome) {
            (Op::Invite { to, role, .. }, Outcome::Invited(inv)) => {
                audited()?;
                ensure!(
                    inv.invitee == Some(user(*to)) && inv.role == *role && inv.code.is_none(),
                    "wrong invitation: {inv:?}"
                );
                ensure!(inv.expires_at == ctx.now + ttl, "wrong expiry: {inv:?}");
                let pending: Vec<i64> = post.pending_for(user(*to)).iter().map(|i| i.id).collect();
                ensure!(
                    pending == vec![inv.id],
                    "the new invitation should be the invitee's only pending one: {pending:?}"
                );
                self.invs.push(inv);
            }
            (Op::CreateCode { role, uses, .. }, Outcome::Invited(inv)) => {
                audited()?;
                ensure!(
                    inv.code.is_some()
                        && inv.invitee.is_none()
                        && inv.role == *role
                        && i64::from(inv.max_uses) == *uses,
                    "wrong code: {inv:?}"
                );
                self.invs.push(inv);
            }
            (
                Op::Accept { .. } | Op::AcceptPending { .. } | Op::Redeem { .. },
                Outcome::Joined(joined),
            ) => {
                audited()?;
                let me = actor.expect("an actor");
                let inv = ctx.inv.as_ref().expect("checked by the rulebook");
                let member = &joined.member;
                ensure!(
                    member.user_id == user(me) && member.role == inv.role && member.active,
                    "joined as {member:?} with {inv:?}"
                );
                let before = pre.row(user(me));
                ensure!(
                    joined.returned == before.is_some(),
                    "returned = {} but the person had a row: {before:?}",
                    joined.returned
                );
                if let Some(before) = before {
                    ensure!(before.id == member.id, "a returning member got a new row");
                }
                let after = self
                    .invitation(inv.id)
                    .await?
                    .ok_or("invitation vanished")?;
                if inv.code.is_some() {
                    ensure!(after.uses == inv.uses + 1, "uses not counted: {after:?}");
                    let used_up = after.uses >= after.max_uses;
                    ensure!(
                        (after.status == InvitationStatus::Accepted) == used_up,
                        "code status after use: {after:?}"
                    );
                } else {
                    ensure!(
                        after.status == InvitationStatus::Accepted,
                        "accepted invitation is {:?}",
                        after.status
                    );
                }
                ensure!(
                    joined.discord == discord_sync_for(pre, None, Some(inv.role)),
                    "Discord roles to give: {:?}",
                    joined.discord
                );
                self.model[me] = Some((inv.role, true));
            }
            (
                Op::Decline { .. } | Op::Revoke { .. } | Op::Resend { .. },
                Outcome::Answered(returned),
            ) => {
                audited()?;
                let inv = ctx.inv.as_ref().expect("checked by the rulebook");
                let after = self
                    .invitation(inv.id)
                    .await?
                    .ok_or("invitation vanished")?;
                ensure!(returned == after, "returned {returned:?}, stored {after:?}");
                match op {
                    Op::Decline { .. } => ensure!(
                        after.status == InvitationStatus::Declined,
                        "declined invitation is {:?}",
                        after.status
                    ),
                    Op::Revoke { .. } => ensure!(
                        after.status == InvitationStatus::Revoked,
                        "revoked invitation is {:?}",
                        after.status
                    ),
                    _ => ensure!(
                        after.status == InvitationStatus::Pending
                            && after.expires_at == ctx.now + ttl,
                        "resent invitation: {after:?}"
                    ),
                }
            }
            (Op::ChangeRole { target, to, .. }, Outcome::RoleChanged(changed)) => {
                audited()?;
                let from = pre.row(user(*target)).map(|m| m.role);
                ensure!(
                    Some(changed.from) == from && changed.to == *to,
                    "reported {:?} -> {:?}, expected {from:?} -> {to:?}",
                    changed.from,
                    changed.to
                );
                ensure!(
                    changed.discord == discord_sync_for(pre, from, Some(*to)),
                    "Discord roles to move: {:?}",
                    changed.discord
                );
                self.model[*target] = Some((*to, true));
            }
            (Op::Remove { .. } | Op::Leave { .. }, Outcome::Removed(removed)) => {
                audited()?;
                let gone = match op {
                    Op::Remove { target, .. } => *target,
                    _ => actor.expect("an actor"),
                };
                let row = post
                    .row(user(gone))
                    .ok_or("a removed member's row was deleted")?;
                ensure!(
                    !row.active && row.left_at == Some(ctx.now) && !removed.member.active,
                    "removed member: {row:?}"
                );
                let role = pre.row(user(gone)).expect("a member").role;
                ensure!(row.role == role, "removal changed the role: {row:?}");
                ensure!(
                    removed.discord == discord_sync_for(pre, Some(role), None),
                    "Discord roles to take: {:?}",
                    removed.discord
                );
                self.model[gone] = Some((role, false));
            }
            (Op::Transfer { to, .. }, Outcome::Transferred(done)) => {
                audited()?;
                let me = actor.expect("an actor");
                ensure!(
                    done.new_owner.user_id == user(*to) && done.old_owner.user_id == user(me),
                    "transfer reported {done:?}"
                );
                self.model[me] = Some((Admin, true));
                self.model[*to] = Some((Owner, true));
            }
            (Op::Set { key, value, .. }, Outcome::SettingChanged(change)) => {
                let parsed = SettingKey::parse(key).expect("checked by the rulebook");
                let expected = pre.settings.with(parsed, value).expect("checked");
                ensure!(
                    post.settings == expected,
                    "settings after {key}={value}: {:?}",
                    post.settings
                );
                if change.before == change.after {
                    unchanged("setting a value it already had")?;
                } else {
                    audited()?;
                }
            }
            (
                Op::TeamManager {
                    manager,
                    member,
                    assign,
                    ..
                },
                Outcome::TeamManager(done),
            ) => {
                let pair = (
                    pre.row(user(*manager)).expect("a member").id,
                    pre.row(user(*member)).expect("a member").id,
                );
                let had = pre.team.contains(&pair);
                let has = post.team.contains(&pair);
                ensure!(has == *assign, "pair {pair:?} present = {has}");
                ensure!(
                    done.changed == (had != has),
                    "changed = {} but the pair went {had} -> {has}",
                    done.changed
                );
                if done.changed {
                    audited()?;
                } else {
                    unchanged("a team-manager no-op")?;
                }
            }
            (Op::Link { role, discord, .. }, Outcome::Linked(previous)) => {
                let before = pre.link_of(*role);
                ensure!(
                    previous == before,
                    "reported previous {previous:?}, was {before:?}"
                );
                ensure!(
                    post.link_of(*role) == Some(DiscordRoleId(*discord)),
                    "link not stored: {:?}",
                    post.links
                );
                if before == Some(DiscordRoleId(*discord)) {
                    unchanged("linking a role again")?;
                } else {
                    audited()?;
                }
            }
            (Op::Unlink { role, .. }, Outcome::Unlinked(removed)) => {
                audited()?;
                ensure!(
                    Some(removed) == pre.link_of(*role) && post.link_of(*role).is_none(),
                    "unlink reported {removed:?}; links now {:?}",
                    post.links
                );
            }
            (Op::ListMembers { inactive, .. }, Outcome::Listed(list)) => {
                unchanged("listing members")?;
                let mut got: Vec<i64> = list.iter().map(|m| m.id).collect();
                let mut want: Vec<i64> = post
                    .members
                    .iter()
                    .filter(|m| *inactive || m.active)
                    .map(|m| m.id)
                    .collect();
                got.sort_unstable();
                want.sort_unstable();
                ensure!(got == want, "listed {got:?}, expected {want:?}");
            }
            (Op::DiscordRoles { who, after, .. }, Outcome::Synced(synced)) => {
                let Some(synced) = synced else {
                    return unchanged("a Discord role update that did nothing");
                };
                audited()?;
                let from = pre.active(user(*who)).map(|m| m.role);
                ensure!(
                    synced.from == from,
                    "sync reported from {:?}, was {from:?}",
                    synced.from
                );
                ensure!(
                    from.is_none_or(follows_discord) && synced.to.is_none_or(follows_discord),
                    "Discord may only move Members, Viewers and Guests: {from:?} -> {:?}",
                    synced.to
                );
                let member = post.row(user(*who)).ok_or("synced person has no row")?;
                ensure!(
                    member.id == synced.member.id
                        && member.active == synced.to.is_some()
                        && synced.to.is_none_or(|role| role == member.role),
                    "sync reported {synced:?}, database has {member:?}"
                );
                let linked_now: Vec<Role> = pre
                    .links
                    .iter()
                    .filter(|(_, d)| discord_roles(*after).contains(d))
                    .map(|(r, _)| *r)
                    .collect();
                match synced.to {
                    Some(role) => {
                        ensure!(
                            linked_now.contains(&role),
                            "synced to {role}, whose Discord role they don't have: {linked_now:?}"
                        );
                        room_for(pre, from, role)?;
                    }
                    None => ensure!(
                        !linked_now.iter().any(|r| follows_discord(*r)),
                        "removed although they still have a linked role: {linked_now:?}"
                    ),
                }
                self.model[*who] = Some((member.role, member.active));
            }
            (Op::LeftServer { who }, Outcome::LeftServer(left)) => {
                let before = pre.active(user(*who));
                let Some(left) = left else {
                    ensure!(
                        before.is_none_or(|m| m.role == Owner),
                        "an active {:?} left the server but stayed active",
                        before.map(|m| m.role)
                    );
                    return unchanged("leaving the server as a non-member or the Owner");
                };
                audited()?;
                let before = before.ok_or("someone inactive was deactivated")?;
                ensure!(before.role != Owner, "the Owner was deactivated");
                let row = post.row(user(*who)).ok_or("row deleted")?;
                ensure!(
                    !row.active && !left.active && row.role == before.role,
                    "after leaving the server: {row:?}"
                );
                self.model[*who] = Some((before.role, false));
            }
            (Op::ExpireDue, Outcome::Expired(count)) => {
                let due = pre
                    .pending
                    .iter()
                    .filter(|inv| inv.expires_at <= ctx.now)
                    .count() as u64;
                ensure!(count >= due, "expired {count}, but {due} were due here");
                let left: Vec<i64> = pre
                    .pending
                    .iter()
                    .filter(|inv| inv.expires_at > ctx.now)
                    .map(|inv| inv.id)
                    .collect();
                let now_pending: Vec<i64> = post.pending.iter().map(|inv| inv.id).collect();
                ensure!(
                    left == now_pending,
                    "pending after the sweep: {now_pending:?}, expected {left:?}"
                );
                ensure!(
                    post.members == pre.members
                        && post.settings == pre.settings
                        && post.team == pre.team
                        && post.links == pre.links
                        && post.audit == pre.audit,
                    "the expiry sweep changed more than invitations"
                );
            }
            (Op::Advance { .. }, Outcome::Advanced) => unchanged("moving the clock")?,
            (op, _) => return Err(format!("unexpected outcome type for {op:?}")),
        }
        Ok(())
    }

    /// The invariants that hold after every step, whatever it was.
    async fn check_state(&mut self, snap: &Snap) -> Result<(), String> {
        let owners: Vec<&MemberRow> = snap.members.iter().filter(|m| m.role == Owner).collect();
        ensure!(owners.len() == 1, "{} owners: {owners:?}", owners.len());
        ensure!(owners[0].active, "the Owner is inactive: {:?}", owners[0]);
        ensure!(
            snap.seats() <= snap.settings.seat_limit,
            "{} seats in use, seat_limit {}",
            snap.seats(),
            snap.settings.seat_limit
        );
        ensure!(
            snap.guests() <= snap.settings.guest_limit,
            "{} guests, guest_limit {}",
            snap.guests(),
            snap.settings.guest_limit
        );
        let mut invitees = HashSet::new();
        for inv in &snap.pending {
            ensure!(
                inv.status == InvitationStatus::Pending && inv.workspace_id == self.ws_id,
                "listed as pending: {inv:?}"
            );
            if let Some(user) = inv.invitee {
                ensure!(invitees.insert(user), "two pending invitations for {user}");
            }
        }
        // Member rows: only pool people, never deleted, never renumbered, as the model says.
        ensure!(
            snap.members.len() >= self.rows,
            "member rows went from {} to {}",
            self.rows,
            snap.members.len()
        );
        self.rows = snap.members.len();
        for m in &snap.members {
            ensure!(
                self.index_of(m.user_id).is_some(),
                "a member outside the pool: {m:?}"
            );
        }
        for (i, person) in self.pool.iter().enumerate() {
            let row = snap.row(person.user);
            if let Some(id) = self.row_ids[i] {
                let row = row.ok_or_else(|| format!("{}'s member row was deleted", self.who(i)))?;
                ensure!(row.id == id, "{}'s member row changed id", self.who(i));
            }
            self.row_ids[i] = row.map(|m| m.id);
            let actual = row.map(|m| (m.role, m.active));
            ensure!(
                actual == self.model[i],
                "{}: expected {:?}, database has {actual:?}",
                self.who(i),
                self.model[i]
            );
        }
        // Team managers: both active; a Manager or Admin looks after someone who tracks time.
        for (manager_id, member_id) in &snap.team {
            let find = |id: &i64| snap.members.iter().find(|m| m.id == *id);
            let manager = find(manager_id).ok_or("team manager outside the workspace")?;
            let member = find(member_id).ok_or("managed member outside the workspace")?;
            ensure!(
                manager.active && member.active,
                "team-manager pair with a removed person: {manager:?} / {member:?}"
            );
            ensure!(
                matches!(manager.role, Manager | Admin)
                    || (KNOWN_BUG_OWNER_KEEPS_TEAM && manager.role == Owner),
                "team manager {} is {}",
                manager.display_name,
                manager.role
            );
            ensure!(
                member.role.can_track_time(),
                "{} has a team manager but is {}",
                member.display_name,
                member.role
            );
        }
        ensure!(
            snap.link_of(Owner).is_none(),
            "the Owner role is linked: {:?}",
            snap.links
        );
        // Guests never get the member list, whatever else happened.
        for person in &self.pool {
            if snap.active(person.user).is_some_and(|m| m.role == Guest) {
                match members::list(&self.ws.app, person, false).await {
                    Err(AppError::Denied(_)) => {}
                    other => {
                        return Err(format!(
                            "Guest {} asked for the member list: {:?}",
                            person.name,
                            other.map(|list| list.len())
                        ))
                    }
                }
            }
        }
        Ok(())
    }
}

/// The Discord roles a person's role change should add and remove (links don't change).
fn discord_sync_for(pre: &Snap, from: Option<Role>, to: Option<Role>) -> DiscordRoleSync {
    let to_link = to.and_then(|r| pre.link_of(r));
    DiscordRoleSync {
        add: to_link.into_iter().collect(),
        remove: from
            .and_then(|r| pre.link_of(r))
            .filter(|d| Some(*d) != to_link)
            .into_iter()
            .collect(),
    }
}

/// The Discord roles (ids 1..=4, as `Link` uses) in a bit mask.
fn discord_roles(mask: u8) -> Vec<DiscordRoleId> {
    (0..4)
        .filter(|bit| mask & (1 << bit) != 0)
        .map(|bit| DiscordRoleId(bit + 1))
        .collect()
}

/// "revoke or resend a pending invitation": Owner/Admin any, Manager their own and those for
/// lower roles, Member their own.
fn may_manage(me: &MemberRow, inv: &Invitation) -> Result<(), String> {
    let own = inv.invited_by == me.id;
    match me.role {
        Owner | Admin => Ok(()),
        Manager if own || inv.role <= Member => Ok(()),
        Member if own => Ok(()),
        role => Err(format!(
            "{role} may not manage this {} invitation (own: {own})",
            inv.role
        )),
    }
}

/// The "invite as …" rows of the Workspace and people table.
fn may_invite(actor: Role, invited_as: Role, settings: &Settings) -> Result<(), String> {
    match invited_as {
        Owner => Err("nobody is invited as Owner".into()),
        Admin | Manager if actor.is_admin() => Ok(()),
        Admin | Manager => Err(format!("{actor}s can't invite as {invited_as}")),
        Member | Viewer | Guest => match actor {
            Owner | Admin | Manager => Ok(()),
            Member if settings.who_can_invite == InviteAccess::Anyone && invited_as != Guest => {
                Ok(())
            }
            _ => Err(format!(
                "{actor}s can't invite as {invited_as} (who_can_invite {:?})",
                settings.who_can_invite
            )),
        },
    }
}

/// Rule 4 and guest_limit: becoming a seat holder needs a free seat, becoming a Guest a slot.
fn room_for(pre: &Snap, from: Option<Role>, to: Role) -> Result<(), String> {
    let needs_seat = to.takes_seat() && !from.is_some_and(Role::takes_seat);
    ensure!(
        !needs_seat || pre.seats() < pre.settings.seat_limit,
        "no free seat ({} of {})",
        pre.seats(),
        pre.settings.seat_limit
    );
    let needs_guest_slot = to == Guest && from != Some(Guest);
    ensure!(
        !needs_guest_slot || pre.guests() < pre.settings.guest_limit,
        "no guest slot ({} of {})",
        pre.guests(),
        pre.settings.guest_limit
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Bugs the randomized test found (both fixed): focused regression tests.
// ---------------------------------------------------------------------------------------------

/// Every team-manager assignment must be one `set_team_manager` would make. Transferring
/// ownership to a team manager breaks that: the new Owner keeps managing people, but an Owner
/// can't be assigned as team manager. (Either fix passes: ending the duties on transfer, or
/// letting Owners be team managers.)
async fn transfer_to_a_team_manager(h: &Harness) {
    let ws = h.workspace().await;
    let cast = ws.cast().await;
    let app = &ws.app;
    members::set_team_manager(app, &cast.owner, cast.manager.user, cast.member.user, true)
        .await
        .unwrap();
    workspace::transfer_ownership(app, &cast.owner, cast.manager.user)
        .await
        .unwrap();
    let info = members::info(app, &cast.manager, cast.manager.user)
        .await
        .unwrap();
    if !info.manages.is_empty() {
        let fresh =
            members::set_team_manager(app, &cast.manager, cast.manager.user, cast.admin.user, true)
                .await;
        assert!(
            fresh.is_ok(),
            "the new Owner is still the team manager of {:?}, yet assigning an Owner as team \
             manager is refused: {fresh:?}",
            info.manages
                .iter()
                .map(|m| &m.display_name)
                .collect::<Vec<_>>()
        );
    }
}
db_test!(
    transfer_ownership_keeps_team_manager_rules,
    transfer_to_a_team_manager
);

/// Replacing someone's open invitation cancels it, so it needs the right to revoke it:
/// a Manager can't revoke the Owner's Admin invitation, nor can a Member (who_can_invite
/// anyone) — and neither may replace it by inviting the same person again.
async fn replacing_an_invitation_needs_the_right_to_revoke_it(h: &Harness) {
    let ws = h.workspace().await;
    let cast = ws.cast().await;
    ws.set("who_can_invite", "anyone").await;
    let nina = ws.stranger("Nina");
    let app = &ws.app;
    let admin_invitation = invitations::invite_user(app, &cast.owner, nina.user, "Nina", Admin)
        .await
        .unwrap();
    for me in [&cast.manager, &cast.member] {
        support::assert_denied(invitations::revoke(app, me, admin_invitation.id).await, "");
        let before = snapshot(app, ws.guild).await;
        let outcome = invitations::invite_user(app, me, nina.user, "Nina", Viewer).await;
        assert!(
            matches!(&outcome, Err(e) if !matches!(e, AppError::Internal(_))),
            "{} replaced the Owner's Admin invitation: {outcome:?}",
            me.name
        );
        assert_eq!(snapshot(app, ws.guild).await, before, "{}", me.name);
    }
    let joined = invitations::accept(app, &nina, admin_invitation.id)
        .await
        .unwrap();
    assert_eq!(joined.member.role, Admin);
}
db_test!(
    invite_does_not_replace_an_invitation_one_may_not_revoke,
    replacing_an_invitation_needs_the_right_to_revoke_it
);
