/// A command of the language: its name, synopsis, help, a working example, and keys.
struct CommandSpec {
    let name: String
    let synopsis: String
    let summary: String
    let details: String
    let example: String
    let keys: [String]
    let run: (ParsedCommand, Session) throws -> Void
}

/// A command split into words, with its original text for expression arguments.
struct ParsedCommand {
    let name: String
    let nameColumn: Int
    /// Words after the command name.
    let args: [Word]
    /// Text after the command name, and where it starts.
    let rest: String
    let restColumn: Int

    /// `key=value` words (in order), keys lower-cased.
    var keyValues: [(key: String, value: String, valueRaw: String, column: Int)] {
        args.compactMap { w in
            guard !w.quoted || w.raw.first != "\"" || w.keyValue != nil, let kv = w.keyValue else { return nil }
            return (kv.key, kv.value, kv.valueRaw, kv.valueColumn)
        }
    }

    var positional: [Word] { args.filter { $0.keyValue == nil } }

    func value(_ key: String) -> String? { keyValues.last(where: { $0.key == key })?.value }
}
