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
    doc: Value,
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
                        return Some(Spec {
                            doc,
                            cache: Mutex::new(HashMap::new()),
                        })
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

fn build(doc: &Value, schema: &Value) -> Result<Validator, String> {
    let mut root = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "components": doc["components"].clone(),
    });
    match schema {
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

fn compile(doc: &Value, method: &str, template: &str) -> Option<Compiled> {
    let op = doc["paths"].get(template)?.get(method.to_ascii_lowercase())?;
    let schema = op["requestBody"]["content"]["application/json"].get("schema")?;
    let alternatives = schema["anyOf"]
        .as_array()
        .or_else(|| schema["oneOf"].as_array())
        .filter(|alts| alts.iter().all(|a| a["$ref"].is_string()));
    let compiled = match alternatives {
        Some(alts) => Compiled::Union(
            alts.iter()
                .filter_map(|alt| {
                    let name = alt["$ref"].as_str().unwrap_or("").rsplit('/').next()?.to_owned();
                    let target = resolve(doc, alt);
                    let type_enum = target["properties"]["type"]["enum"].as_array().cloned();
                    match build(doc, alt) {
                        Ok(validator) => Some(Alternative {
                            name,
                            type_enum,
                            validator,
                        }),
                        Err(e) => {
                            eprintln!("discord-sim: cannot compile {name} for {method} {template}: {e}");
                            None
                        }
                    }
                })
                .collect(),
        ),
        None => match build(doc, schema) {
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

/// Validates a JSON request body for `method template` (an OpenAPI path template such as
/// `/channels/{channel_id}/messages`). Returns the problems found; empty when valid, when the
/// operation has no JSON body schema, or when the description is not available.
pub(crate) fn validate(method: &str, template: &str, body: &Value) -> Vec<String> {
    let Some(spec) = spec() else {
        return Vec::new();
    };
    let key = format!("{method} {template}");
    let compiled = {
        let cached = spec.cache.lock().unwrap().get(&key).cloned();
        match cached {
            Some(c) => c,
            None => {
                let c = compile(&spec.doc, method, template).map(Arc::new);
                spec.cache.lock().unwrap().insert(key, c.clone());
                c
            }
        }
    };
    let Some(compiled) = compiled else {
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
                None => vec![format!("body matches no alternative of {method} {template}")],
            }
        }
    }
}
