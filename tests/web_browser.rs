//! The report page and a shared project's guest page in a real browser: Debian's chromium,
//! headless, driven over the Chrome DevTools Protocol (CDP). The sidecar runs on 127.0.0.1:0
//! over SQLite with hostile names; the tests check that the table and the SVG chart (the
//! project's facts, tasks and chat) are there, that the page logs no console
//! message, exception or Content-Security-Policy violation, that it has no horizontal scroll
//! on a phone-sized screen, and saves screenshots under `target/test-output/`.
//!
//! Why CDP and not WebDriver (fantoccini + chromedriver): the thing to catch here is console
//! errors, CSP violations above all, and CDP reports them as events (`Log.entryAdded`,
//! `Runtime.consoleAPICalled`, `Runtime.exceptionThrown`), while WebDriver has no standard way
//! to read the console. CDP also takes full-page screenshots and emulates a phone, and it
//! needs only the `chromium` package, with no driver whose version must match the browser.
//!
//! Without chromium the test fails when `CI` is set and otherwise skips with a loud message.

mod support;
mod time_support;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use chrono::Duration as Days;
use crewclock::app::entries::{self, AddEntry};
use crewclock::app::project_links;
use crewclock::app::projects::{self, ProjectEdit};
use crewclock::app::report_links::{self, LinkOptions, LinkSettings, NewLink};
use crewclock::app::sharing::{self, IncomingEdit, IncomingMessage};
use crewclock::domain::links::{LinkKind, LinkSigner};
use crewclock::domain::projects::Privacy;
use crewclock::domain::report::{GroupBy, RangeSpec, ReportQuery};
use crewclock::domain::{ChannelId, Role, UserId};
use crewclock::store::sharing::Attachment;
use crewclock::web::{self, Metrics, WebSettings};
use crewclock::Actor;
use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use support::Harness;
use time_support::{World, PUBLIC};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio_tungstenite::tungstenite::Message;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

fn find_chromium() -> Option<PathBuf> {
    if let Ok(path) = std::env::var("CREWCLOCK_CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for name in ["chromium", "chromium-browser", "google-chrome"] {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    None
}

fn output_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"));
    let dir = target.join("test-output");
    std::fs::create_dir_all(&dir).expect("create target/test-output");
    dir
}

/// A minimal CDP client over one page's WebSocket: commands by id, events kept.
struct Cdp {
    socket: Socket,
    next_id: u64,
    events: Vec<Value>,
}

impl Cdp {
    async fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let message = json!({ "id": id, "method": method, "params": params }).to_string();
        self.socket
            .send(Message::Text(message))
            .await
            .expect("send CDP command");
        loop {
            let value = self.read().await;
            if value.get("id").and_then(Value::as_u64) == Some(id) {
                if let Some(error) = value.get("error") {
                    panic!("CDP {method} failed: {error}");
                }
                return value["result"].clone();
            }
            self.events.push(value);
        }
    }

    async fn read(&mut self) -> Value {
        let next = tokio::time::timeout(Duration::from_secs(30), self.socket.next())
            .await
            .expect("chromium answered within 30 s")
            .expect("the DevTools socket stayed open")
            .expect("a DevTools message");
        match next {
            Message::Text(text) => serde_json::from_str(&text).expect("CDP JSON"),
            other => panic!("unexpected DevTools frame {other:?}"),
        }
    }

    async fn wait_event(&mut self, method: &str) {
        if self.events.iter().any(|e| e["method"] == method) {
            return;
        }
        loop {
            let value = self.read().await;
            let found = value["method"] == method;
            self.events.push(value);
            if found {
                return;
            }
        }
    }

    async fn open(&mut self, url: &str) {
        self.events.retain(|e| e["method"] != "Page.loadEventFired");
        self.call("Page.navigate", json!({ "url": url })).await;
        self.wait_event("Page.loadEventFired").await;
    }

    async fn eval(&mut self, expression: &str) -> Value {
        let result = self
            .call(
                "Runtime.evaluate",
                json!({ "expression": expression, "returnByValue": true }),
            )
            .await;
        result["result"]["value"].clone()
    }

    async fn screenshot(&mut self, name: &str) -> PathBuf {
        let shot = self
            .call(
                "Page.captureScreenshot",
                json!({ "format": "png", "captureBeyondViewport": true }),
            )
            .await;
        let data = base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str().expect("screenshot data"))
            .expect("screenshot base64");
        assert_eq!(&data[..4], b"\x89PNG");
        let path = output_dir().join(name);
        std::fs::write(&path, data).expect("save screenshot");
        path
    }

    /// Console messages, exceptions and browser log entries (CSP violations land there).
    fn complaints(&self) -> Vec<String> {
        self.events
            .iter()
            .filter_map(|e| match e["method"].as_str() {
                Some("Runtime.consoleAPICalled") => Some(format!("console: {}", e["params"])),
                Some("Runtime.exceptionThrown") => Some(format!("exception: {}", e["params"])),
                Some("Log.entryAdded") => Some(format!("log: {}", e["params"]["entry"])),
                _ => None,
            })
            .collect()
    }
}

/// Lets late events (CSP reports, console messages) arrive before the page is judged.
async fn settle(cdp: &mut Cdp) {
    cdp.call("Runtime.evaluate", json!({ "expression": "1" }))
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    cdp.call("Runtime.evaluate", json!({ "expression": "1" }))
        .await;
}

/// Starts chromium headless with DevTools on a free port; returns it and the port.
async fn launch(chromium: &PathBuf, profile: &std::path::Path) -> (tokio::process::Child, u16) {
    let mut child = tokio::process::Command::new(chromium)
        .args([
            "--headless=new",
            // Containers and CI run as root, where chromium's sandbox can't start.
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--no-default-browser-check",
            "--remote-debugging-address=127.0.0.1",
            "--remote-debugging-port=0",
            "--window-size=1200,900",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("about:blank")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("start chromium");
    let stderr = child.stderr.take().expect("chromium stderr");
    let mut lines = BufReader::new(stderr).lines();
    let port = tokio::time::timeout(Duration::from_secs(30), async {
        while let Ok(Some(line)) = lines.next_line().await {
            if let Some(rest) = line.split("DevTools listening on ws://127.0.0.1:").nth(1) {
                return rest.split('/').next().and_then(|p| p.parse::<u16>().ok());
            }
        }
        None
    })
    .await
    .expect("chromium printed its DevTools address within 30 s")
    .expect("a DevTools port");
    // Keep draining stderr so chromium never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (child, port)
}

async fn page_socket(port: u16) -> Socket {
    let list = reqwest::get(format!("http://127.0.0.1:{port}/json/list"))
        .await
        .expect("DevTools target list")
        .text()
        .await
        .expect("target list body");
    let targets: Vec<Value> = serde_json::from_str(&list).expect("target list JSON");
    let url = targets
        .iter()
        .find(|t| t["type"] == "page")
        .and_then(|t| t["webSocketDebuggerUrl"].as_str())
        .expect("a page target");
    tokio_tungstenite::connect_async(url)
        .await
        .expect("connect to the page")
        .0
}

/// The sidecar serving `app` on a free loopback port, and chromium with one page open on
/// `path` of it.
struct Browsing {
    cdp: Cdp,
    /// The page's full address.
    url: String,
    address: std::net::SocketAddr,
    browser: tokio::process::Child,
    stop: tokio::sync::watch::Sender<bool>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
    _profile: tempfile::TempDir,
}

async fn serve_and_open(
    app: &crewclock::App,
    signer: LinkSigner,
    chromium: &PathBuf,
    path: &str,
) -> Browsing {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let router = web::router(
        app.clone(),
        WebSettings {
            signer,
            link_requests_per_minute: 1_000,
            metrics: Arc::new(Metrics::new()),
        },
    );
    let server = tokio::spawn(web::serve_on(listener, router, web::stopped(stopping)));
    let profile = tempfile::tempdir().unwrap();
    let (browser, port) = launch(chromium, profile.path()).await;
    let mut cdp = Cdp {
        socket: page_socket(port).await,
        next_id: 0,
        events: Vec::new(),
    };
    for domain in ["Page.enable", "Runtime.enable", "Log.enable"] {
        cdp.call(domain, json!({})).await;
    }
    let url = format!("http://{address}{path}");
    cdp.open(&url).await;
    Browsing {
        cdp,
        url,
        address,
        browser,
        stop,
        server,
        _profile: profile,
    }
}

/// Ends the browser and the sidecar of a [`Browsing`].
async fn close(
    mut browser: tokio::process::Child,
    stop: tokio::sync::watch::Sender<bool>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
) {
    let _ = browser.kill().await;
    let _ = stop.send(true);
    server.await.unwrap().unwrap();
}

/// Chromium, or `None` after a loud SKIPPED line (a failure when `CI` is set).
fn chromium_or_skip(test: &str) -> Option<PathBuf> {
    let found = find_chromium();
    if found.is_none() {
        if std::env::var_os("CI").is_some() {
            panic!("chromium is not installed, and CI is set: install Debian's chromium package (.ci/run does)");
        }
        eprintln!(
            "\n*** SKIPPED: {test} — chromium not found. \
             Install it (apt-get install chromium) or set CREWCLOCK_CHROMIUM. ***\n"
        );
    }
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_report_page_in_headless_chromium() {
    let Some(chromium) = find_chromium() else {
        if std::env::var_os("CI").is_some() {
            panic!("chromium is not installed, and CI is set: install Debian's chromium package (.ci/run does)");
        }
        eprintln!(
            "\n*** SKIPPED: the_report_page_in_headless_chromium — chromium not found. \
             Install it (apt-get install chromium) or set CREWCLOCK_CHROMIUM. ***\n"
        );
        return;
    };
    let h = Harness::sqlite().await;
    support::run(h, |h| Box::pin(browse(h, chromium))).await;
}

async fn browse(h: &Harness, chromium: PathBuf) {
    // Data: last week (the clock is Monday 2026-11-23), with hostile names.
    let w = World::new(h).await;
    let app = w.app().clone();
    let eve = w.ws.add(Role::Member, "<img src=x onerror=alert(1)>").await;
    let hostile = "<script>alert('x')</script> \"q\" \u{202E}rtl";
    time_support::project(&w.ws, &w.cast.owner, hostile, Privacy::Public, true).await;
    for (who, project, when, date) in [
        (&w.cast.member, PUBLIC, "9:00-11:30", "2026-11-16"),
        (&w.other, PUBLIC, "1h", "2026-11-17"),
        (&eve, hostile, "3h", "2026-11-18"),
        (&w.cast.owner, hostile, "45m", "2026-11-19"),
    ] {
        entries::add(
            &app,
            who,
            AddEntry {
                project: project.into(),
                when: when.into(),
                date: Some(date.into()),
                ..AddEntry::default()
            },
        )
        .await
        .expect("add entry");
    }
    let signer = LinkSigner::new(&[5u8; 32]).unwrap();
    let link = report_links::create(
        &app,
        &w.cast.owner,
        &LinkSettings {
            signer: signer.clone(),
            ttl: Days::days(7),
        },
        NewLink {
            kind: LinkKind::Report,
            query_json: serde_json::to_string(&ReportQuery::new(
                RangeSpec::LastWeek,
                vec![GroupBy::Project, GroupBy::Member],
            ))
            .unwrap(),
            options: LinkOptions::default(),
        },
    )
    .await
    .expect("create link");

    let Browsing {
        mut cdp,
        url,
        address,
        browser,
        stop,
        server,
        _profile,
    } = serve_and_open(&app, signer, &chromium, &link.path()).await;
    let facts = cdp
        .eval(
            "JSON.stringify({
                title: document.title,
                rows: document.querySelectorAll('table tbody tr').length,
                svg: document.querySelectorAll('figure svg').length,
                svgText: [...document.querySelectorAll('figure svg text')].map(t => t.textContent).join('|'),
                scripts: document.scripts.length,
                images: document.images.length,
                cellText: [...document.querySelectorAll('tbody td')].map(t => t.textContent).join('|'),
                width: document.documentElement.scrollWidth,
                viewport: window.innerWidth,
            })",
        )
        .await;
    let facts: Value = serde_json::from_str(facts.as_str().expect("page facts")).unwrap();
    println!("desktop page: {facts}");
    assert!(facts["title"].as_str().unwrap().contains("Time by project"));
    assert!(
        facts["rows"].as_u64().unwrap() >= 6,
        "project and member rows"
    );
    assert_eq!(facts["svg"], 1, "one inline SVG chart");
    assert_eq!(facts["scripts"], 0, "no script ran or exists: {facts}");
    assert_eq!(facts["images"], 0, "the hostile <img> is text: {facts}");
    let cells = facts["cellText"].as_str().unwrap();
    assert!(
        cells.contains("<script>alert('x')</script>"),
        "shown as text: {cells}"
    );
    assert!(
        cells.contains("<img src=x onerror=alert(1)>"),
        "shown as text: {cells}"
    );
    assert!(facts["svgText"].as_str().unwrap().contains("<script>"));
    let desktop = cdp.screenshot("report-page.png").await;

    // A phone: no sideways scrolling of the page itself.
    cdp.call(
        "Emulation.setDeviceMetricsOverride",
        json!({ "width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": true }),
    )
    .await;
    cdp.open(&url).await;
    let phone = cdp
        .eval("JSON.stringify([document.documentElement.scrollWidth, window.innerWidth])")
        .await;
    let phone: Vec<u64> = serde_json::from_str(phone.as_str().unwrap()).unwrap();
    println!(
        "phone: scroll width {} for a viewport of {}",
        phone[0], phone[1]
    );
    assert!(
        phone[0] <= phone[1],
        "the page scrolls sideways on a phone: {phone:?}"
    );
    let phone_shot = cdp.screenshot("report-page-phone.png").await;

    settle(&mut cdp).await;
    let complaints = cdp.complaints();
    assert!(
        complaints.is_empty(),
        "the browser complained about the report page:\n{}",
        complaints.join("\n")
    );

    // The 404 page is styled by the same hashed stylesheet: no CSP complaint there either.
    // Its own status is the one thing the browser may log.
    let missing = format!("http://{address}/r/not-a-link");
    cdp.open(&missing).await;
    settle(&mut cdp).await;
    let complaints: Vec<String> = cdp
        .complaints()
        .into_iter()
        .filter(|c| !(c.contains("status of 404") && c.contains(&missing)))
        .collect();
    assert!(
        complaints.is_empty(),
        "the browser complained about the 404 page:\n{}",
        complaints.join("\n")
    );
    let heading = cdp.eval("document.querySelector('h1').textContent").await;
    assert_eq!(heading, "Page not found");
    println!(
        "screenshots: {} and {}",
        desktop.display(),
        phone_shot.display()
    );
    close(browser, stop, server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_project_page_in_headless_chromium() {
    let Some(chromium) = chromium_or_skip("the_project_page_in_headless_chromium") else {
        return;
    };
    let h = Harness::sqlite().await;
    support::run(h, |h| Box::pin(browse_project(h, chromium))).await;
}

/// A shared project with hostile names, a long unbroken message, an edited and a deleted one,
/// opened by its guest on a desktop and on a phone.
async fn browse_project(h: &Harness, chromium: PathBuf) {
    let w = World::new(h).await;
    let app = w.app().clone();
    let owner = w.cast.owner.clone();
    let hostile = "<script>alert('x')</script> \"q\" \u{202E}rtl";
    time_support::project(&w.ws, &owner, hostile, Privacy::Public, true).await;
    let project = hostile.to_string();
    projects::create_stage(&app, &owner, "Design <i>review</i>", None)
        .await
        .expect("stage");
    projects::edit_project(
        &app,
        &owner,
        &project,
        ProjectEdit {
            stage: Some(Some("Design <i>review</i>".into())),
            budget: Some("4h".into()),
            due_date: Some(Some("2026-12-24".into())),
            ..ProjectEdit::default()
        },
    )
    .await
    .expect("edit project");
    for task in [
        "Wireframes",
        "<img src=x onerror=alert(1)>",
        &"Long task name ".repeat(6),
    ] {
        projects::create_task(&app, &owner, &project, task)
            .await
            .expect("task");
    }
    projects::set_task_done(&app, &owner, &project, "Wireframes", true)
        .await
        .expect("done");
    entries::add(
        &app,
        &w.cast.member,
        AddEntry {
            project: project.clone(),
            when: "5h".into(),
            date: Some("2026-11-20".into()),
            ..AddEntry::default()
        },
    )
    .await
    .expect("add entry");
    let guest = Actor::in_guild(w.ws.guild, UserId(h.id()), "<img src=x onerror=alert(2)>");
    let channel = ChannelId(h.id());
    sharing::share_project(
        &app,
        &owner,
        &project,
        channel,
        &[(guest.user, guest.name.clone())],
        "all",
    )
    .await
    .expect("share");
    let now = app.clock.now();
    let say = |id: u64, who: &Actor, text: &str, minutes: i64| IncomingMessage {
        channel,
        message_id: id,
        author: who.user,
        author_name: who.name.clone(),
        content: text.into(),
        attachments: Vec::new(),
        at: now + Days::minutes(minutes),
    };
    let mut first = say(
        1,
        &guest,
        "<script>alert(3)</script> Hello! Is the draft ready?",
        0,
    );
    first.attachments = vec![Attachment {
        name: format!("{}.pdf", "very-long-file-name-".repeat(10)),
        url: "https://cdn.discordapp.com/attachments/1/2/brief.pdf".into(),
    }];
    let messages = [
        first,
        say(
            2,
            &w.cast.member,
            &format!("Almost: https://example.com/{}", "x".repeat(300)),
            5,
        ),
        say(3, &w.cast.member, "Line one\nLine two\n\nLine four", 7),
        say(4, &guest, "this one gets deleted", 9),
    ];
    for message in &messages {
        sharing::record_message(&app, message)
            .await
            .expect("bridge");
    }
    sharing::record_edit(
        &app,
        &IncomingEdit {
            channel,
            message_id: 3,
            author: None,
            content: "Line one (fixed)\nLine two".into(),
            attachments: Vec::new(),
            edited_at: now + Days::minutes(8),
        },
    )
    .await
    .expect("edit");
    sharing::record_delete(&app, channel, 4, now + Days::minutes(10))
        .await
        .expect("delete");
    let signer = LinkSigner::new(&[6u8; 32]).unwrap();
    let link = project_links::create(
        &app,
        &guest,
        &LinkSettings {
            signer: signer.clone(),
            ttl: Days::days(7),
        },
        &project,
    )
    .await
    .expect("project link")
    .link;

    let Browsing {
        mut cdp,
        url,
        browser,
        stop,
        server,
        _profile,
        ..
    } = serve_and_open(&app, signer, &chromium, &link.path()).await;
    let facts = cdp
        .eval(
            "JSON.stringify({
                title: document.title,
                h1: document.querySelector('h1').textContent,
                facts: [...document.querySelectorAll('.totals li')].map(li => li.textContent).join('|'),
                bars: document.querySelectorAll('progress').length,
                tasks: document.querySelectorAll('.tasks li').length,
                chat: [...document.querySelectorAll('.chat > li')].map(li => li.textContent).join('|'),
                lines: document.querySelectorAll('.chat > li').length,
                links: [...document.querySelectorAll('a')].map(a => a.getAttribute('href')).join(' '),
                scripts: document.scripts.length,
                images: document.images.length,
            })",
        )
        .await;
    let facts: Value = serde_json::from_str(facts.as_str().expect("page facts")).unwrap();
    println!("project page: {facts}");
    assert!(facts["h1"]
        .as_str()
        .unwrap()
        .contains("<script>alert('x')</script>"));
    let shown = facts["facts"].as_str().unwrap();
    for wanted in ["Design <i>review</i>", "Due", "125%", "Tasks done"] {
        assert!(shown.contains(wanted), "{wanted} in {shown}");
    }
    assert_eq!(facts["bars"], 2, "hours and tasks bars: {facts}");
    assert_eq!(facts["tasks"], 3);
    assert_eq!(facts["lines"], 4);
    let chat = facts["chat"].as_str().unwrap();
    assert!(chat.contains("<script>alert(3)</script> Hello!"), "{chat}");
    assert!(chat.contains("(edited)") && chat.contains("Line one (fixed)"));
    assert!(chat.contains("message deleted") && !chat.contains("gets deleted"));
    assert_eq!(
        facts["links"],
        format!(
            "https://cdn.discordapp.com/attachments/1/2/brief.pdf https://example.com/{}",
            "x".repeat(300)
        ),
        "the attachment and the address in a message are links, nothing else"
    );
    assert_eq!(facts["scripts"], 0, "{facts}");
    assert_eq!(
        facts["images"], 0,
        "the hostile <img> names are text: {facts}"
    );
    let desktop = cdp.screenshot("project-page.png").await;

    cdp.call(
        "Emulation.setDeviceMetricsOverride",
        json!({ "width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": true }),
    )
    .await;
    cdp.open(&url).await;
    let phone = cdp
        .eval("JSON.stringify([document.documentElement.scrollWidth, window.innerWidth])")
        .await;
    let phone: Vec<u64> = serde_json::from_str(phone.as_str().unwrap()).unwrap();
    println!(
        "phone: scroll width {} for a viewport of {}",
        phone[0], phone[1]
    );
    assert!(
        phone[0] <= phone[1],
        "the project page scrolls sideways on a phone: {phone:?}"
    );
    let phone_shot = cdp.screenshot("project-page-phone.png").await;
    settle(&mut cdp).await;
    let complaints = cdp.complaints();
    assert!(
        complaints.is_empty(),
        "the browser complained about the project page:\n{}",
        complaints.join("\n")
    );
    println!(
        "screenshots: {} and {}",
        desktop.display(),
        phone_shot.display()
    );
    close(browser, stop, server).await;
}
