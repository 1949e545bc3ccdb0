//! Just enough of a Dockerfile to point advice at its lines: each instruction's keyword,
//! arguments and first line, grouped into stages. Continuation lines are joined; heredoc
//! bodies are skipped. Linting is `plinth-lint`'s job, not this module's.

/// One instruction and the line it starts on (1-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instruction {
    pub line: usize,
    /// Upper-case keyword: `FROM`, `RUN`, `USER`, ...
    pub keyword: String,
    pub args: String,
    /// Index of the stage this instruction belongs to.
    pub stage: usize,
}

#[derive(Debug, Clone, Default)]
pub struct Dockerfile {
    pub instructions: Vec<Instruction>,
    pub stages: usize,
}

impl Dockerfile {
    pub fn parse(text: &str) -> Dockerfile {
        let mut out = Dockerfile::default();
        let mut lines = text.lines().enumerate().peekable();
        while let Some((i, raw)) = lines.next() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut full = line.to_string();
            while full.ends_with('\\') {
                full.pop();
                match lines.next() {
                    Some((_, next)) if next.trim_start().starts_with('#') => continue,
                    Some((_, next)) => {
                        full.push(' ');
                        full.push_str(next.trim());
                    }
                    None => break,
                }
            }
            let (keyword, args) = full.split_once(char::is_whitespace).unwrap_or((&full, ""));
            let keyword = keyword.to_ascii_uppercase();
            if let Some(end) = heredoc_end(args) {
                for (_, body) in lines.by_ref() {
                    if body.trim() == end {
                        break;
                    }
                }
            }
            if keyword == "FROM" {
                out.stages += 1;
            }
            out.instructions.push(Instruction {
                line: i + 1,
                keyword,
                args: args.trim().to_string(),
                stage: out.stages.saturating_sub(1),
            });
        }
        out
    }

    /// Instructions of the stage that ships (the last one).
    pub fn final_stage(&self) -> impl Iterator<Item = &Instruction> {
        let last = self.stages.saturating_sub(1);
        self.instructions.iter().filter(move |i| i.stage == last)
    }

    pub fn final_from(&self) -> Option<&Instruction> {
        self.final_stage().find(|i| i.keyword == "FROM")
    }
}

/// `<<EOF` / `<<-"EOF"` in a RUN or COPY: the word that ends the body.
fn heredoc_end(args: &str) -> Option<String> {
    let at = args.find("<<")?;
    let word = args[at + 2..].trim_start_matches('-');
    let word: String = word
        .trim_matches(|c| c == '"' || c == '\'')
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    (!word.is_empty()).then_some(word)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_continuations_heredocs() {
        let d = Dockerfile::parse(
            "FROM golang:1.22 AS build\nRUN apt-get update && \\\n  apt-get install -y gcc\n\
             RUN <<EOF\nFROM inside heredoc\nEOF\nFROM debian:bookworm\n# c\nUSER app\n",
        );
        assert_eq!(d.stages, 2);
        let kw: Vec<(usize, &str)> = d
            .instructions
            .iter()
            .map(|i| (i.line, i.keyword.as_str()))
            .collect();
        assert_eq!(
            kw,
            vec![
                (1, "FROM"),
                (2, "RUN"),
                (4, "RUN"),
                (7, "FROM"),
                (9, "USER")
            ]
        );
        assert_eq!(
            d.instructions[1].args,
            "apt-get update &&  apt-get install -y gcc"
        );
        assert_eq!(d.final_from().map(|i| i.line), Some(7));
    }
}
