//! A small POSIX-shell word splitter, enough to see which commands a `RUN` runs and with
//! which arguments. It is not a shell parser: it knows quotes, escapes, operators,
//! redirections, comments, `$(…)` and a few keywords, and nothing about expansion. Rules
//! only ask "is `apt-get install` run without `-y`?", and for that this is enough.

/// One simple command: its words with leading `VAR=value` assignments and redirections
/// removed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Command {
    pub words: Vec<String>,
}

/// Everything a `RUN` runs, in order.
#[derive(Debug, Clone, Default)]
pub struct Script {
    pub commands: Vec<Command>,
    /// A `|` (not `||`) joins two commands somewhere in the script.
    pub has_pipe: bool,
}

/// Commands that run their arguments as another command.
const WRAPPERS: &[&str] = &[
    "sudo", "env", "nohup", "time", "exec", "command", "nice", "xargs",
];

/// Shell keywords that may open a command without being one.
const KEYWORDS: &[&str] = &[
    "if", "then", "do", "else", "elif", "while", "until", "!", "{", "}", "fi", "done", "esac",
];

impl Command {
    /// The command with wrappers such as `sudo -u app` or `env A=b` peeled off, so
    /// `sudo apt-get install x` is seen as `apt-get install x`.
    pub fn effective(&self) -> &[String] {
        let mut words = self.words.as_slice();
        while let Some(first) = words.first() {
            if !WRAPPERS.contains(&base_name(first)) {
                break;
            }
            words = &words[1..];
            while let Some(w) = words.first() {
                if w == "-u" || w == "-g" || w == "-n" {
                    words = words.get(2..).unwrap_or_default();
                } else if w.starts_with('-') || is_assignment(w) {
                    words = &words[1..];
                } else {
                    break;
                }
            }
        }
        words
    }

    /// The program name (`/usr/bin/apt-get` is `apt-get`), after wrappers.
    pub fn name(&self) -> &str {
        self.effective().first().map(|w| base_name(w)).unwrap_or("")
    }

    /// Arguments after the program name.
    pub fn args(&self) -> &[String] {
        self.effective().get(1..).unwrap_or_default()
    }

    /// True when `name` is the program and `sub` one of the words that follow it (options
    /// may come between, as in `apt-get -qq install`).
    pub fn is(&self, name: &str, subs: &[&str]) -> bool {
        self.name() == name && self.subcommand().is_some_and(|s| subs.contains(&s))
    }

    /// The first argument that is not an option.
    pub fn subcommand(&self) -> Option<&str> {
        let mut args = self.args().iter();
        while let Some(a) = args.next() {
            if a == "-o" || a == "-c" {
                // `apt-get -o Opt=1 install`, `yum -c conf install`: skip the value.
                args.next();
            } else if !a.starts_with('-') {
                return Some(a);
            }
        }
        None
    }

    /// True when an option is present: a long option by exact name (also `--name=value`),
    /// or a short one inside a cluster (`-yq` has `y`).
    pub fn has_flag(&self, long: &[&str], short: &[char]) -> bool {
        self.args().iter().any(|a| {
            if let Some(l) = a.strip_prefix("--") {
                let name = l.split('=').next().unwrap_or(l);
                long.iter().any(|x| x.trim_start_matches("--") == name)
            } else if let Some(s) = a.strip_prefix('-') {
                !s.is_empty()
                    && s.chars().all(|c| c.is_ascii_alphanumeric())
                    && s.chars().any(|c| short.contains(&c))
            } else {
                false
            }
        })
    }

    /// Arguments that are not options, after the subcommand.
    pub fn operands(&self) -> impl Iterator<Item = &str> {
        let sub = self.subcommand();
        let mut seen_sub = false;
        self.args().iter().map(String::as_str).filter(move |a| {
            if !seen_sub && Some(*a) == sub {
                seen_sub = true;
                return false;
            }
            seen_sub && !a.starts_with('-')
        })
    }
}

/// Splits text into shell words, keeping `A=b` assignments (for `ENV` and `ARG`).
pub fn split_words(text: &str) -> Vec<String> {
    let mut splitter = Splitter {
        raw: true,
        ..Splitter::default()
    };
    splitter.run(text);
    splitter
        .finish()
        .commands
        .into_iter()
        .flat_map(|c| c.words)
        .collect()
}

/// `/usr/bin/apt-get` → `apt-get`.
pub fn base_name(word: &str) -> &str {
    word.rsplit('/').next().unwrap_or(word)
}

fn is_assignment(word: &str) -> bool {
    match word.split_once('=') {
        Some((name, _)) => {
            !name.is_empty()
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !name.starts_with(|c: char| c.is_ascii_digit())
        }
        None => false,
    }
}

impl Script {
    /// Splits shell text into commands.
    pub fn parse(text: &str) -> Script {
        let mut splitter = Splitter::default();
        splitter.run(text);
        splitter.finish()
    }

    /// A script that is one command given word by word (the JSON form of `RUN`).
    pub fn from_words(words: Vec<String>) -> Script {
        let mut s = Script::default();
        s.push(words, false);
        s
    }

    fn push(&mut self, words: Vec<String>, raw: bool) {
        if raw {
            if !words.is_empty() {
                self.commands.push(Command { words });
            }
            return;
        }
        let mut words: Vec<String> = words.into_iter().skip_while(|w| is_assignment(w)).collect();
        while words
            .first()
            .is_some_and(|w| KEYWORDS.contains(&w.as_str()))
        {
            words.remove(0);
        }
        if !words.is_empty() {
            self.commands.push(Command { words });
        }
    }

    /// True when the script turns on `pipefail` itself (`set -o pipefail`, `set -euxo pipefail`).
    pub fn sets_pipefail(&self) -> bool {
        self.commands.iter().any(|c| {
            c.name() == "set"
                && c.args()
                    .windows(2)
                    .any(|w| w[1] == "pipefail" && w[0].starts_with('-') && w[0].ends_with('o'))
        })
    }

    /// Commands whose program is `name`.
    pub fn invocations<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Command> + 'a {
        self.commands.iter().filter(move |c| c.name() == name)
    }
}

#[derive(Default)]
struct Splitter {
    script: Script,
    words: Vec<String>,
    word: String,
    in_word: bool,
    skip_next_word: bool,
    /// Keep assignments and keywords: for splitting `ENV`/`ARG` arguments.
    raw: bool,
}

impl Splitter {
    fn run(&mut self, text: &str) {
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                ' ' | '\t' | '\r' => self.end_word(),
                '\n' => self.end_command(),
                '#' if !self.in_word => {
                    for n in chars.by_ref() {
                        if n == '\n' {
                            break;
                        }
                    }
                    self.end_command();
                }
                '\'' => {
                    self.in_word = true;
                    for n in chars.by_ref() {
                        if n == '\'' {
                            break;
                        }
                        self.word.push(n);
                    }
                }
                '"' => {
                    self.in_word = true;
                    while let Some(n) = chars.next() {
                        match n {
                            '"' => break,
                            '\\' => match chars.next() {
                                Some(e @ ('"' | '\\' | '$' | '`')) => self.word.push(e),
                                Some('\n') | None => {}
                                Some(e) => {
                                    self.word.push('\\');
                                    self.word.push(e);
                                }
                            },
                            _ => self.word.push(n),
                        }
                    }
                }
                '\\' => match chars.next() {
                    Some('\n') | None => {}
                    Some(e) => {
                        self.in_word = true;
                        self.word.push(e);
                    }
                },
                '$' if chars.peek() == Some(&'(') => {
                    // Command substitution: keep it in the word, and also split what runs
                    // inside, so `$(curl …)` counts as running curl.
                    chars.next();
                    let inner = take_balanced(&mut chars);
                    self.in_word = true;
                    self.word.push_str("$(");
                    self.word.push_str(&inner);
                    self.word.push(')');
                    self.nested(&inner);
                }
                '`' => {
                    let inner: String = chars.by_ref().take_while(|&n| n != '`').collect();
                    self.in_word = true;
                    self.word.push_str(&inner);
                    self.nested(&inner);
                }
                ';' | '(' | ')' => self.end_command(),
                '&' => {
                    if chars.peek() == Some(&'>') {
                        chars.next();
                        self.redirect(&mut chars);
                    } else {
                        chars.next_if_eq(&'&');
                        self.end_command();
                    }
                }
                '|' => {
                    if chars.next_if_eq(&'|').is_none() {
                        chars.next_if_eq(&'&');
                        self.script.has_pipe = true;
                    }
                    self.end_command();
                }
                '>' | '<' => {
                    // `2>` : the digits before the operator are a file descriptor, not a word.
                    if self.in_word && self.word.chars().all(|d| d.is_ascii_digit()) {
                        self.word.clear();
                        self.in_word = false;
                    } else {
                        self.end_word();
                    }
                    while chars.next_if(|&n| n == '>' || n == '<').is_some() {}
                    self.redirect(&mut chars);
                }
                _ => {
                    self.in_word = true;
                    self.word.push(c);
                }
            }
        }
    }

    /// After a redirection operator: `>&2` names a descriptor, otherwise the next word is
    /// a file name and not an argument.
    fn redirect(&mut self, chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
        if chars.next_if_eq(&'&').is_some() {
            while chars.next_if(|n| n.is_ascii_digit() || *n == '-').is_some() {}
            return;
        }
        self.skip_next_word = true;
    }

    fn nested(&mut self, inner: &str) {
        let mut sub = Splitter::default();
        sub.run(inner);
        let sub = sub.finish();
        self.script.has_pipe |= sub.has_pipe;
        self.script.commands.extend(sub.commands);
    }

    fn end_word(&mut self) {
        if self.in_word {
            let word = std::mem::take(&mut self.word);
            if self.skip_next_word {
                self.skip_next_word = false;
            } else {
                self.words.push(word);
            }
            self.in_word = false;
        }
    }

    fn end_command(&mut self) {
        self.end_word();
        self.skip_next_word = false;
        let words = std::mem::take(&mut self.words);
        self.script.push(words, self.raw);
    }

    fn finish(mut self) -> Script {
        self.end_command();
        self.script
    }
}

/// Reads up to the `)` that closes an already-consumed `(`.
fn take_balanced(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> String {
    let mut depth = 1;
    let mut out = String::new();
    for c in chars.by_ref() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            _ => {}
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(text: &str) -> Vec<String> {
        Script::parse(text)
            .commands
            .iter()
            .map(|c| c.name().to_string())
            .collect()
    }

    #[test]
    fn splits_on_operators_and_keeps_quotes() {
        let s = Script::parse(
            "set -eux; apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y 'a b' \"c\" || true",
        );
        let words: Vec<_> = s.commands.iter().map(|c| c.words.join(" ")).collect();
        assert_eq!(
            words,
            [
                "set -eux",
                "apt-get update",
                "apt-get install -y a b c",
                "true"
            ]
        );
        assert!(!s.has_pipe);
    }

    #[test]
    fn pipes_redirections_substitutions() {
        let s =
            Script::parse("curl -fsSL https://x/y.sh 2>/dev/null | sh -e >&2; echo $(wget -qO- u)");
        assert!(s.has_pipe);
        assert_eq!(
            names("curl -fsSL https://x/y.sh 2>/dev/null | sh -e >&2; echo $(wget -qO- u)"),
            ["curl", "sh", "wget", "echo"]
        );
        assert_eq!(s.commands[0].args(), ["-fsSL", "https://x/y.sh"]);
    }

    #[test]
    fn wrappers_keywords_and_flags() {
        let s = Script::parse(
            "if true; then sudo -u root apt-get -qq install --no-install-recommends -yq curl; fi",
        );
        let c = &s.commands[1];
        assert_eq!(c.name(), "apt-get");
        assert!(c.is("apt-get", &["install"]));
        assert!(c.has_flag(&["--yes"], &['y']));
        assert!(c.has_flag(&["--no-install-recommends"], &[]));
        assert_eq!(c.operands().collect::<Vec<_>>(), ["curl"]);
        assert!(Script::parse("set -euxo pipefail; a | b").sets_pipefail());
        assert!(!Script::parse("set -eux; a | b").sets_pipefail());
    }
}
