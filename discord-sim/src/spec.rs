//! Validation of request bodies against Discord's own OpenAPI description.
//!
//! The description is found through the `DISCORD_API_SPEC` environment variable, or at
//! `shared/discord-api-spec/openapi.json` beside the repository (`../shared/...` from the
//! workspace root). When it is absent a loud warning is printed once and only the hand-written
//! checks of [`crate::limits`] run.
//!
//! For each operation a JSON Schema is built as
//! `{"$schema": "https://json-schema.org/draft/2020-12/schema", "components": spec.components,
//! ...requestBody.content["application/json"].schema}` so that `#/components/...` references
//! resolve inside the same document. Compiled validators are cached per process. When the body
//! schema is a union (`anyOf`/`oneOf` of references, as for interaction callbacks), each
//! alternative is compiled separately; an alternative whose `type` enum matches the body's
//! `type` is chosen, which turns "matches none of the alternatives" into a precise error such
//! as `/data/content: … is longer than 2000 characters`.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use jsonschema::Validator;
use serde_json::{json, Value};

struct Spec {
    /// The whole description, as published.
    doc: Value,
    /// `components`, rewritten for precise errors and Discord's leniency (see [`transform`]).
    components: Value,
    cache: Mutex<HashMap<String, Option<Arc<Compiled>>>>,
}

struct Alternative {
    name: String,
    type_enum: Option<Vec<Value>>,
    validator: Validator,
}

enum Compiled {
    Single(Validator),
    Union(Vec<Alternative>),
}

static SPEC: OnceLock<Option<Spec>> = OnceLock::new();

fn candidates() -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(p) = std::env::var("DISCORD_API_SPEC") {
        out.push(PathBuf::from(p));
    }
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    out.push(manifest.join("../../shared/discord-api-spec/openapi.json"));
    if let Ok(dir) = std::env::var("CARGO_MANIFEST_DIR") {
        out.push(PathBuf::from(dir).join("../../shared/discord-api-spec/openapi.json"));
    }
    out.push(PathBuf::from("../shared/discord-api-spec/openapi.json"));
    out.push(PathBuf::from("../../shared/discord-api-spec/openapi.json"));
    out
}

fn spec() -> Option<&'static Spec> {
    SPEC.get_or_init(|| {
        let tried = candidates();
        for path in &tried {
            if let Ok(text) = std::fs::read_to_string(path) {
                match serde_json::from_str::<Value>(&text) {
                    Ok(doc) => {
                        let mut components = doc["components"].clone();
                        transform(&mut components, &doc);
                        return Some(Spec {
                            doc,
                            components,
                            cache: Mutex::new(HashMap::new()),
                        });
                    }
                    Err(e) => eprintln!("discord-sim: cannot parse {}: {e}", path.display()),
                }
            }
        }
        eprintln!(
            "\n==================== discord-sim WARNING ====================\n\
             Discord's OpenAPI description was not found (tried {tried:?}; set\n\
             DISCORD_API_SPEC to its path). Request bodies are checked only by the\n\
             hand-written limit checks, NOT against Discord's schema.\n\
             ==============================================================\n"
        );
        None
    })
    .as_ref()
}

/// Whether Discord's OpenAPI description was found (prints the warning once if not).
pub fn spec_available() -> bool {
    spec().is_some()
}

fn build(spec: &Spec, schema: &Value) -> Result<Validator, String> {
    let mut schema = schema.clone();
    transform(&mut schema, &spec.doc);
    let mut root = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "components": reachable(&spec.components, &schema),
    });
    match &schema {
        Value::Object(map) => {
            for (k, v) in map {
                root[k] = v.clone();
            }
        }
        other => return Err(format!("request schema is not an object: {other}")),
    }
    jsonschema::draft202012::options()
        .build(&root)
        .map_err(|e| e.to_string())
}

fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(r) => doc.pointer(r.trim_start_matches('#')).unwrap_or(schema),
        None => schema,
    }
}

fn compile(spec: &Spec, method: &str, template: &str) -> Option<Compiled> {
    let doc = &spec.doc;
    let op = doc["paths"]
        .get(template)?
        .get(method.to_ascii_lowercase())?;
    let schema = op["requestBody"]["content"]["application/json"].get("schema")?;
    let alternatives = schema["anyOf"]
        .as_array()
        .or_else(|| schema["oneOf"].as_array())
        .filter(|alts| alts.iter().all(|a| a["$ref"].is_string()));
    let compiled = match alternatives {
        Some(alts) => Compiled::Union(
            alts.iter()
                .filter_map(|alt| {
                    let name = alt["$ref"]
                        .as_str()
                        .unwrap_or("")
                        .rsplit('/')
                        .next()?
                        .to_owned();
                    let target = resolve(doc, alt);
                    let type_enum = target["properties"]["type"]["enum"].as_array().cloned();
                    match build(spec, alt) {
                        Ok(validator) => Some(Alternative {
                            name,
                            type_enum,
                            validator,
                        }),
                        Err(e) => {
                            eprintln!(
                                "discord-sim: cannot compile {name} for {method} {template}: {e}"
                            );
                            None
                        }
                    }
                })
                .collect(),
        ),
        None => match build(spec, schema) {
            Ok(v) => Compiled::Single(v),
            Err(e) => {
                eprintln!("discord-sim: cannot compile schema for {method} {template}: {e}");
                return None;
            }
        },
    };
    Some(compiled)
}

fn errors(v: &Validator, body: &Value) -> Vec<String> {
    v.iter_errors(body)
        .take(5)
        .map(|e| {
            let mut msg = e.to_string();
            if msg.chars().count() > 300 {
                msg = msg.chars().take(300).collect::<String>() + "…";
            }
            let path = e.instance_path.to_string();
            if path.is_empty() {
                msg
            } else {
                format!("{path}: {msg}")
            }
        })
        .collect()
}

/// The operations whose bodies the simulator validates, compiled ahead of use by
/// [`precompile_spec`].
const VALIDATED: &[(&str, &str)] = &[
    (
        "POST",
        "/interactions/{interaction_id}/{interaction_token}/callback",
    ),
    ("POST", "/webhooks/{webhook_id}/{webhook_token}"),
    (
        "PATCH",
        "/webhooks/{webhook_id}/{webhook_token}/messages/@original",
    ),
    (
        "PATCH",
        "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
    ),
    ("POST", "/channels/{channel_id}/messages"),
    ("PATCH", "/channels/{channel_id}/messages/{message_id}"),
    ("PUT", "/applications/{application_id}/commands"),
    (
        "PUT",
        "/applications/{application_id}/guilds/{guild_id}/commands",
    ),
    ("PUT", "/channels/{channel_id}/permissions/{overwrite_id}"),
    ("POST", "/users/@me/channels"),
];

/// Loads Discord's OpenAPI description and compiles the validators of the operations the
/// simulator checks (once per process; later calls return at once). [`crate::DiscordSim::start`]
/// does this in the background; call it yourself to keep the cost out of a timed test.
/// Returns false when the description is not available.
pub fn precompile_spec() -> bool {
    if spec().is_none() {
        return false;
    }
    for (method, template) in VALIDATED {
        compiled(method, template);
    }
    true
}

fn compiled(method: &str, template: &str) -> Option<Arc<Compiled>> {
    let spec = spec()?;
    let key = format!("{method} {template}");
    // One compiler at a time: concurrent first uses wait for the same result instead of
    // compiling the same schema twice.
    static COMPILING: Mutex<()> = Mutex::new(());
    if let Some(c) = spec.cache.lock().unwrap().get(&key) {
        return c.clone();
    }
    let _guard = COMPILING
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(c) = spec.cache.lock().unwrap().get(&key) {
        return c.clone();
    }
    let t = std::time::Instant::now();
    let c = compile(spec, method, template).map(Arc::new);
    if std::env::var_os("DISCORD_SIM_TIMING").is_some() {
        eprintln!("discord-sim: compiled {key} in {:?}", t.elapsed());
    }
    spec.cache.lock().unwrap().insert(key, c.clone());
    c
}

/// Validates a JSON request body for `method template` (an OpenAPI path template such as
/// `/channels/{channel_id}/messages`). Returns the problems found; empty when valid, when the
/// operation has no JSON body schema, or when the description is not available.
pub(crate) fn validate(method: &str, template: &str, body: &Value) -> Vec<String> {
    let Some(compiled) = compiled(method, template) else {
        return Vec::new();
    };
    match &*compiled {
        Compiled::Single(v) => errors(v, body),
        Compiled::Union(alts) => {
            let by_type: Vec<&Alternative> = alts
                .iter()
                .filter(|a| {
                    a.type_enum
                        .as_ref()
                        .is_some_and(|e| e.contains(&body["type"]))
                })
                .collect();
            let pool: Vec<&Alternative> = if by_type.is_empty() {
                alts.iter().collect()
            } else {
                by_type
            };
            let mut best: Option<(String, Vec<String>)> = None;
            for alt in pool {
                let errs = errors(&alt.validator, body);
                if errs.is_empty() {
                    return Vec::new();
                }
                if best.as_ref().is_none_or(|(_, b)| errs.len() < b.len()) {
                    best = Some((alt.name.clone(), errs));
                }
            }
            match best {
                Some((name, errs)) => errs.into_iter().map(|e| format!("{name}: {e}")).collect(),
                None => vec![format!(
                    "body matches no alternative of {method} {template}"
                )],
            }
        }
    }
}

/// Rewrites a schema (in place) so that validation errors point at the offending field and
/// Discord's documented leniency does not produce false alarms:
///
/// - `oneOf: [{type: null}, X]` becomes `if null then true else X`, so errors inside `X` are
///   reported instead of "not valid under any of the schemas listed in oneOf";
/// - a `oneOf`/`anyOf` of references whose targets all have a `type` enum (components,
///   callbacks) becomes one `if type is … then $ref` per alternative;
/// - a `oneOf` of `const`s becomes an `enum`;
/// - snowflakes may be JSON integers as well as strings, and integers (without `enum`) may be
///   strings: Discord accepts numeric strings, and serenity sends e.g. new attachment ids as
///   integers and permission bit sets as strings;
/// - `type: [X, "null"]` becomes `if null then true else {type: X}`: jsonschema 0.30 checks
///   type arrays without accepting floats with no fractional part (such as poise's
///   `max_value: 9007199254740990.0`) as integers, while a single `type: integer` does.
fn transform(node: &mut Value, doc: &Value) {
    match node {
        Value::Array(items) => items.iter_mut().for_each(|v| transform(v, doc)),
        Value::Object(map) => {
            for v in map.values_mut() {
                transform(v, doc);
            }
            for key in ["oneOf", "anyOf"] {
                let Some(Value::Array(alts)) = map.get(key) else {
                    continue;
                };
                let alts = alts.clone();
                // oneOf of consts -> enum
                if !alts.is_empty()
                    && alts.iter().all(|a| {
                        a.get("const").is_some()
                            && a.as_object().is_some_and(|o| {
                                o.keys().all(|k| {
                                    matches!(k.as_str(), "const" | "title" | "description")
                                })
                            })
                    })
                {
                    map.remove(key);
                    map.insert(
                        "enum".into(),
                        Value::Array(alts.iter().map(|a| a["const"].clone()).collect()),
                    );
                    continue;
                }
                // nullable -> if null then true else rest
                let is_null = |a: &Value| a == &json!({"type": "null"});
                if alts.iter().any(is_null) && alts.len() >= 2 && !map.contains_key("if") {
                    let rest: Vec<Value> = alts.iter().filter(|a| !is_null(a)).cloned().collect();
                    let mut other = if rest.len() == 1 {
                        rest[0].clone()
                    } else {
                        json!({ key: rest })
                    };
                    transform(&mut other, doc);
                    map.remove(key);
                    map.insert("if".into(), json!({"type": "null"}));
                    map.insert("then".into(), Value::Bool(true));
                    map.insert("else".into(), other);
                    continue;
                }
                // discriminated union on `type`
                let enums: Option<Vec<Vec<Value>>> = alts
                    .iter()
                    .map(|a| {
                        let target = resolve(doc, a);
                        a["$ref"].as_str()?;
                        target["properties"]["type"]["enum"].as_array().cloned()
                    })
                    .collect();
                if let Some(enums) = enums {
                    let mut all: Vec<Value> = Vec::new();
                    let mut disjoint = true;
                    for e in enums.iter().flatten() {
                        if all.contains(e) {
                            disjoint = false;
                        }
                        all.push(e.clone());
                    }
                    if disjoint && alts.len() > 1 && !map.contains_key("allOf") {
                        let mut branches: Vec<Value> = alts
                            .iter()
                            .zip(&enums)
                            .map(|(a, e)| {
                                json!({
                                    "if": {"type": "object", "properties": {"type": {"enum": e}}, "required": ["type"]},
                                    "then": a,
                                })
                            })
                            .collect();
                        branches.push(json!({
                            "if": {"type": "object"},
                            "then": {"properties": {"type": {"enum": all}}, "required": ["type"]},
                        }));
                        map.remove(key);
                        map.insert("allOf".into(), Value::Array(branches));
                    }
                }
            }
            lenient(map);
        }
        _ => {}
    }
}

/// The leniency rewrites of [`transform`] for one schema object.
fn lenient(map: &mut serde_json::Map<String, Value>) {
    if map.contains_key("if") {
        return;
    }
    if let Some(Value::Array(types)) = map.get("type") {
        let null = json!("null");
        if types.len() == 2 && types.contains(&null) {
            let other = types.iter().find(|t| **t != null).cloned().unwrap_or(null);
            let mut inner = map.clone();
            inner.insert("type".into(), other);
            lenient(&mut inner);
            map.clear();
            map.insert("if".into(), json!({"type": "null"}));
            map.insert("then".into(), Value::Bool(true));
            map.insert("else".into(), Value::Object(inner));
            return;
        }
    }
    let ty = map.get("type").and_then(Value::as_str).unwrap_or("");
    if ty == "string" && map.get("format") == Some(&json!("snowflake")) {
        let original = Value::Object(map.clone());
        map.clear();
        map.insert("if".into(), json!({"type": "integer"}));
        map.insert("then".into(), json!({"minimum": 0}));
        map.insert("else".into(), original);
    } else if ty == "integer" && !map.contains_key("enum") && !map.contains_key("const") {
        let original = Value::Object(map.clone());
        map.clear();
        // Any string is accepted (a `pattern` here would compile one regex per integer field,
        // which is slow in debug builds).
        map.insert("if".into(), json!({"type": "string"}));
        map.insert("then".into(), Value::Bool(true));
        map.insert("else".into(), original);
    }
}

/// The part of `components` that `schema` references, directly or not (compiling only that
/// is many times faster than compiling all of Discord's ~540 schemas each time).
fn reachable(components: &Value, schema: &Value) -> Value {
    fn refs(node: &Value, out: &mut Vec<String>) {
        match node {
            Value::Object(map) => {
                if let Some(Value::String(r)) = map.get("$ref") {
                    out.push(r.clone());
                }
                map.values().for_each(|v| refs(v, out));
            }
            Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let mut todo = Vec::new();
    refs(schema, &mut todo);
    let mut kept = serde_json::Map::new();
    while let Some(r) = todo.pop() {
        let Some(name) = r.strip_prefix("#/components/schemas/") else {
            continue;
        };
        if kept.contains_key(name) {
            continue;
        }
        if let Some(target) = components["schemas"].get(name) {
            kept.insert(name.to_owned(), target.clone());
            refs(target, &mut todo);
        }
    }
    json!({"schemas": kept})
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use serde_json::json;

    use super::*;

    const CALLBACK: &str = "/interactions/{interaction_id}/{interaction_token}/callback";

    #[test]
    fn validation_is_precise_lenient_and_fast() {
        if !precompile_spec() {
            eprintln!("SKIPPED: Discord's OpenAPI description is not available");
            return;
        }
        let ok = json!({"type": 4, "data": {"content": "hi", "allowed_mentions": {"parse": []},
            "attachments": [{"id": 0, "filename": "a.csv"}]}});
        assert_eq!(validate("POST", CALLBACK, &ok), Vec::<String>::new());
        let bad = json!({"type": 4, "data": {"content": "x".repeat(2001)}});
        let errs = validate("POST", CALLBACK, &bad);
        assert!(errs[0].contains("/data/content"), "{errs:?}");
        let unknown_type = json!({"type": 42});
        assert!(!validate("POST", CALLBACK, &unknown_type).is_empty());
        // Permission bit sets as strings, as serenity sends them.
        let overwrite = json!({"type": 0, "allow": "0", "deny": "1024"});
        let route = "/channels/{channel_id}/permissions/{overwrite_id}";
        assert_eq!(validate("PUT", route, &overwrite), Vec::<String>::new());

        let start = Instant::now();
        for _ in 0..200 {
            assert!(validate("POST", CALLBACK, &ok).is_empty());
        }
        let per = start.elapsed() / 200;
        assert!(per < Duration::from_millis(20), "{per:?} per validation");
    }
}
