/// Surgery on loaded models: PyTorch names, Inspect, Extract (cut), summary.
public enum SurgeonVersion {
    public static let string = "0.1.0"
}
