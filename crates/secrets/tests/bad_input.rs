//! Hostile files: a 100 MB single-line file (read in windows, never whole), invalid UTF-8
//! around a secret, binaries, and a user pattern built to make a backtracking engine hang.

use std::io::{self, Read};

use plinth_secrets::stream::{self, Outcome};
use plinth_secrets::{RuleSet, Scanner};

/// `len` bytes of one endless line of `x`, then `tail`: generated, never held in memory.
struct OneLine {
    left: u64,
    tail: &'static [u8],
}

impl Read for OneLine {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.left > 0 {
            let n = buf.len().min(self.left as usize);
            buf[..n].fill(b'x');
            self.left -= n as u64;
            return Ok(n);
        }
        let n = buf.len().min(self.tail.len());
        buf[..n].copy_from_slice(&self.tail[..n]);
        self.tail = &self.tail[n..];
        Ok(n)
    }
}

#[test]
fn a_100_mb_single_line_is_searched_in_windows() {
    let scanner = Scanner::new(RuleSet::builtin());
    let mut data = OneLine {
        left: 100 << 20,
        tail: b" ghp_7xUsP0P9gjcl7NSWShU8WownKBfl7fDf4cKj\n",
    };
    let Outcome::Text(hits) = stream::search(&scanner, "var/log/one-line.log", &mut data).unwrap()
    else {
        panic!("not binary")
    };
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].line, 1);
    assert_eq!(hits[0].redacted, "ghp_********4cKj");
}

#[test]
fn invalid_utf8_and_binaries() {
    let scanner = Scanner::new(RuleSet::builtin());
    let mut text: &[u8] = b"\xff\xfe\xc3 junk\nkey=AKIAX44S0O2A0QPOASTV \xff\n";
    let Outcome::Text(hits) = stream::search(&scanner, "a.txt", &mut text).unwrap() else {
        panic!("text has no NUL")
    };
    assert_eq!((hits.len(), hits[0].line), (1, 2));
    let mut binary: &[u8] = b"\x7fELF\x02\x01\x01\x00AKIAX44S0O2A0QPOASTV";
    assert!(matches!(
        stream::search(&scanner, "bin/tool", &mut binary).unwrap(),
        Outcome::Binary
    ));
}

#[test]
fn a_catastrophic_backtracking_pattern_runs_in_linear_time() {
    let set = RuleSet::from_yaml(
        "rules:\n  - id: evil\n    regex: '(a+)+$'\n    severity: LOW\n  - id: evil2\n    regex: '(a|aa)*b'\n",
    )
    .unwrap();
    let scanner = Scanner::new(set);
    let mut data: Vec<u8> = vec![b'a'; 1 << 20];
    data.push(b'!');
    let Outcome::Text(hits) = stream::search(&scanner, "x", &mut &data[..]).unwrap() else {
        panic!()
    };
    // Reaching this line is the test: a backtracking engine would not, on this input.
    assert!(hits.is_empty());
}
