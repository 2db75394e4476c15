// The `tlds` package's list, empty: only linkify-it reads it, and the email intake's bundle has none (no-linkify.ts).
module.exports = [];
