//! The server-side languages Ferret reads for web shells.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A server-side script language. The names match the folders of the
/// evaluation corpus (`php`, `asp`, `aspx`, `jsp`, `cfm`, `perl`, `python`, `shell`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    /// PHP (php, php3-8, phtml, phar, inc, ...).
    Php,
    /// Classic ASP (VBScript/JScript: asp, asa, cer, cdx).
    Asp,
    /// ASP.NET (aspx, ashx, asmx, ascx, asax, master, svc, config shells).
    Aspx,
    /// Java Server Pages (jsp, jspx, jspf).
    Jsp,
    /// ColdFusion (cfm, cfml, cfc).
    Cfm,
    /// Perl and CGI scripts.
    Perl,
    /// Python.
    Python,
    /// Shell scripts (sh, bash).
    Shell,
}

impl Language {
    /// Every language.
    pub const ALL: [Language; 8] = [
        Language::Php,
        Language::Asp,
        Language::Aspx,
        Language::Jsp,
        Language::Cfm,
        Language::Perl,
        Language::Python,
        Language::Shell,
    ];

    /// The short lowercase name (`php`, `aspx`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Language::Php => "php",
            Language::Asp => "asp",
            Language::Aspx => "aspx",
            Language::Jsp => "jsp",
            Language::Cfm => "cfm",
            Language::Perl => "perl",
            Language::Python => "python",
            Language::Shell => "shell",
        }
    }

    /// Parses the short name.
    pub fn from_name(s: &str) -> Option<Language> {
        Language::ALL
            .into_iter()
            .find(|l| l.as_str().eq_ignore_ascii_case(s))
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
