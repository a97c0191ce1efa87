/// A command failure with a message for the user and, when known, the column it points at
/// (0-based, within the command's line).
public struct ShellError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public var column: Int?

    public init(_ message: String, column: Int? = nil) {
        self.message = message
        self.column = column
    }

    public var description: String { message }
}
