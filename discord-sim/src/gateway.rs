//! The gateway websocket: HELLO, IDENTIFY → READY + GUILD_CREATE, heartbeat ACKs, RESUME with
//! replay of missed events, and forced disconnects.
//!
//! Frames are plain JSON text (serenity parses text frames directly even though IDENTIFY asks
//! for compression).

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::Response;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::sync::mpsc;

use crate::state::{Conn, Outgoing};
use crate::DiscordSim;

/// Heartbeat interval announced in HELLO (Discord's usual value).
const HEARTBEAT_INTERVAL_MS: u64 = 41_250;

pub(crate) async fn ws_handler(ws: WebSocketUpgrade, State(sim): State<DiscordSim>) -> Response {
    ws.on_upgrade(move |socket| run(sim, socket))
}

async fn run(sim: DiscordSim, socket: WebSocket) {
    let (mut sink, mut stream) = socket.split();
    let (tx, mut rx) = mpsc::unbounded_channel::<Outgoing>();
    let conn_id = {
        let mut st = sim.lock();
        st.gw.next_conn += 1;
        st.gw.next_conn
    };
    let hello = json!({"op": 10, "d": {"heartbeat_interval": HEARTBEAT_INTERVAL_MS}});
    let _ = tx.send(Outgoing::Text(hello.to_string()));
    let writer = tokio::spawn(async move {
        while let Some(out) = rx.recv().await {
            match out {
                Outgoing::Text(text) => {
                    if sink.send(Message::Text(text.into())).await.is_err() {
                        break;
                    }
                }
                Outgoing::Close(code, reason) => {
                    let frame = CloseFrame {
                        code,
                        reason: reason.into(),
                    };
                    let _ = sink.send(Message::Close(Some(frame))).await;
                    break;
                }
            }
        }
    });
    while let Some(Ok(msg)) = stream.next().await {
        let text = match msg {
            Message::Text(t) => t.to_string(),
            Message::Binary(b) => String::from_utf8_lossy(&b).into_owned(),
            Message::Close(_) => break,
            _ => continue,
        };
        let Ok(frame) = serde_json::from_str::<Value>(&text) else {
            eprintln!("discord-sim: gateway received non-JSON frame: {text}");
            continue;
        };
        match frame["op"].as_u64() {
            Some(1) => {
                sim.lock().gw.heartbeats += 1;
                let _ = tx.send(Outgoing::Text(json!({"op": 11}).to_string()));
            }
            Some(2) => sim.identify(conn_id, &tx, &frame["d"]),
            Some(6) => sim.resume(conn_id, &tx, &frame["d"]),
            _ => {}
        }
        sim.notify();
    }
    {
        let mut st = sim.lock();
        if st.gw.current.as_ref().is_some_and(|c| c.id == conn_id) {
            st.gw.current = None;
        }
    }
    sim.notify();
    writer.abort();
}

impl DiscordSim {
    fn identify(&self, conn_id: u64, tx: &mpsc::UnboundedSender<Outgoing>, d: &Value) {
        let mut st = self.lock();
        st.gw.identifies += 1;
        st.gw.sessions += 1;
        let session = format!("sim-session-{}", st.gw.sessions);
        st.gw.session = Some(session.clone());
        st.gw.seq = 0;
        st.gw.log.clear();
        st.gw.intents = d["intents"].as_u64().unwrap_or(0);
        st.gw.current = Some(Conn {
            id: conn_id,
            tx: tx.clone(),
        });
        let ready = json!({
            "v": 10,
            "user": st.user_json(st.bot_id),
            "guilds": st.guilds.keys().map(|g| json!({"id": g.to_string(), "unavailable": true})).collect::<Vec<_>>(),
            "session_id": session,
            "resume_gateway_url": st.gateway_url(),
            "shard": [0, 1],
            "application": {"id": st.app_id.to_string(), "flags": 0},
        });
        st.send_event("READY", ready);
        let guilds: Vec<Value> = st.guilds.values().map(|g| st.guild_json(g, true)).collect();
        for g in guilds {
            st.send_event("GUILD_CREATE", g);
        }
        for (name, data) in std::mem::take(&mut st.gw.pending) {
            st.send_event(&name, data);
        }
        st.gw.ready = true;
    }

    fn resume(&self, conn_id: u64, tx: &mpsc::UnboundedSender<Outgoing>, d: &Value) {
        let mut st = self.lock();
        let seq = d["seq"].as_u64().unwrap_or(0);
        let same_session = st.gw.session.as_deref() == d["session_id"].as_str();
        if !same_session || seq > st.gw.seq {
            // Not resumable: serenity re-identifies.
            let _ = tx.send(Outgoing::Text(json!({"op": 9, "d": false}).to_string()));
            return;
        }
        st.gw.resumes += 1;
        st.gw.current = Some(Conn {
            id: conn_id,
            tx: tx.clone(),
        });
        let mut replayed = 0;
        for (ev, frame) in &st.gw.log {
            if ev.seq > seq {
                let _ = tx.send(Outgoing::Text(frame.clone()));
                replayed += 1;
            }
        }
        st.gw.replayed += replayed;
        st.send_event("RESUMED", json!({}));
    }

    /// Closes the bot's gateway connection (close code 4000, "unknown error"), as Discord does
    /// now and then. Serenity reconnects and RESUMEs; events dispatched meanwhile are replayed
    /// on resume. Use [`DiscordSim::wait_connected`] to wait for the reconnection.
    pub fn disconnect_gateway(&self) {
        let mut st = self.lock();
        if let Some(conn) = st.gw.current.take() {
            st.gw.disconnects += 1;
            let _ = conn.tx.send(Outgoing::Close(
                4000,
                "discord-sim: simulated disconnect".into(),
            ));
        }
        drop(st);
        self.notify();
    }
}
