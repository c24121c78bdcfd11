//! One flat JSON object per result line, written by hand (no dependency).

/// A JSON object being written.
pub struct Json {
    text: String,
}

impl Default for Json {
    fn default() -> Self {
        Json::new()
    }
}

impl Json {
    pub fn new() -> Json {
        Json { text: String::from("{") }
    }

    fn key(mut self, key: &str) -> Json {
        if self.text.len() > 1 {
            self.text.push_str(", ");
        }
        self.text.push('"');
        self.text.push_str(key);
        self.text.push_str("\": ");
        self
    }

    pub fn int(self, key: &str, value: u64) -> Json {
        let mut json = self.key(key);
        json.text.push_str(&value.to_string());
        json
    }

    pub fn float(self, key: &str, value: f64) -> Json {
        let mut json = self.key(key);
        json.text.push_str(&if value.is_finite() { format!("{value:.6}") } else { "null".into() });
        json
    }

    pub fn bool(self, key: &str, value: bool) -> Json {
        let mut json = self.key(key);
        json.text.push_str(if value { "true" } else { "false" });
        json
    }

    pub fn text(self, key: &str, value: &str) -> Json {
        let mut json = self.key(key);
        json.text.push('"');
        for c in value.chars() {
            match c {
                '"' => json.text.push_str("\\\""),
                '\\' => json.text.push_str("\\\\"),
                c if (c as u32) < 0x20 => json.text.push_str(&format!("\\u{:04x}", c as u32)),
                c => json.text.push(c),
            }
        }
        json.text.push('"');
        json
    }

    /// `value` when present, else `null`.
    pub fn opt_text(self, key: &str, value: Option<&str>) -> Json {
        match value {
            Some(v) => self.text(key, v),
            None => {
                let mut json = self.key(key);
                json.text.push_str("null");
                json
            }
        }
    }

    pub fn finish(mut self) -> String {
        self.text.push('}');
        self.text
    }
}
