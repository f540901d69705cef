//! Extracting OpenAPI documents from the fenced code blocks of a Markdown docs page.

/// One fenced code block: its info string (`yaml post /v1/...`) and its contents.
#[derive(Debug, PartialEq)]
pub struct FencedBlock {
    pub info: String,
    pub body: String,
}

/// Returns every fenced code block (backticks or tildes, three or more) of a Markdown text.
///
/// A block closes at the first line made only of the same fence character, at least as long as
/// the opening fence (CommonMark). An unclosed block runs to the end of the text.
pub fn fenced_blocks(markdown: &str) -> Vec<FencedBlock> {
    let mut blocks = Vec::new();
    let mut open: Option<(char, usize, String, Vec<&str>)> = None;
    for line in markdown.lines() {
        let trimmed = line.trim_start();
        match &mut open {
            None => {
                if let Some((ch, len)) = fence(trimmed) {
                    let info = trimmed[len..].trim().to_string();
                    open = Some((ch, len, info, Vec::new()));
                }
            }
            Some((ch, len, _, body)) => {
                let closes = fence(trimmed)
                    .is_some_and(|(c, l)| c == *ch && l >= *len && trimmed[l..].trim().is_empty());
                if closes {
                    if let Some((_, _, info, body)) = open.take() {
                        blocks.push(block(info, &body));
                    }
                } else {
                    body.push(line);
                }
            }
        }
    }
    if let Some((_, _, info, body)) = open {
        blocks.push(block(info, &body));
    }
    blocks
}

fn block(info: String, body: &[&str]) -> FencedBlock {
    let mut text = body.join("\n");
    text.push('\n');
    FencedBlock { info, body: text }
}

fn fence(line: &str) -> Option<(char, usize)> {
    let ch = line.chars().next().filter(|c| *c == '`' || *c == '~')?;
    let len = line.chars().take_while(|c| *c == ch).count();
    (len >= 3).then_some((ch, len))
}

/// The language of a block's info string (`yaml` for "yaml post /v1/x"), lowercased.
fn language(info: &str) -> String {
    info.split_whitespace()
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase()
}

/// The OpenAPI documents among a page's YAML/JSON blocks (those with a top-level `openapi` key).
pub fn openapi_blocks(markdown: &str) -> Result<Vec<serde_norway::Value>, String> {
    let mut docs = Vec::new();
    for (index, block) in fenced_blocks(markdown).into_iter().enumerate() {
        if !matches!(language(&block.info).as_str(), "yaml" | "yml" | "json" | "") {
            continue;
        }
        let Ok(value) = serde_norway::from_str::<serde_norway::Value>(&block.body) else {
            if language(&block.info).is_empty() {
                continue;
            }
            return Err(format!(
                "fenced block {} ({}) does not parse as YAML",
                index + 1,
                block.info
            ));
        };
        if value.get("openapi").is_some() {
            docs.push(value);
        }
    }
    if docs.is_empty() {
        return Err("the page has no fenced YAML/JSON block with an `openapi` key".to_string());
    }
    Ok(docs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_longer_fence_holds_shorter_fences_inside() {
        let page = "# T\n````yaml post /x\na: 1\n```\nb: 2\n````\ntext\n```json\n{}\n```\n";
        let blocks = fenced_blocks(page);
        assert_eq!(
            blocks,
            vec![
                FencedBlock {
                    info: "yaml post /x".into(),
                    body: "a: 1\n```\nb: 2\n".into()
                },
                FencedBlock {
                    info: "json".into(),
                    body: "{}\n".into()
                },
            ]
        );
    }

    #[test]
    fn only_blocks_with_an_openapi_key_are_documents() {
        let page = "```yaml\nfoo: 1\n```\n```yaml\nopenapi: 3.0.0\n```\n```rust\nfn x() {}\n```\n";
        let docs = openapi_blocks(page).unwrap_or_default();
        assert_eq!(docs.len(), 1);
        assert_eq!(
            docs[0].get("openapi").and_then(|v| v.as_str()),
            Some("3.0.0")
        );
    }

    #[test]
    fn a_page_without_a_spec_is_an_error() {
        assert!(openapi_blocks("no blocks here\n").is_err());
    }
}
