import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

/// com.microsoft DynamicQuantizeLSTM against outputs of onnxruntime 1.32's kernel for the
/// same inputs (generated once with onnx.helper + onnxruntime with intra_op_num_threads=1;
/// the values are copied here). With more threads and batch > 1 onnxruntime quantizes the
/// hidden state per batch chunk, so its results depend on its thread count.
@Suite struct DynamicQuantizeLSTMTests {
    func i8(_ shape: [Int], _ v: [Int8]) throws -> Tensor { try Tensor(shape: shape, scalars: v) }
    func u8(_ shape: [Int], _ v: [UInt8]) throws -> Tensor { try Tensor(shape: shape, scalars: v) }
    func i32(_ shape: [Int], _ v: [Int32]) throws -> Tensor { try Tensor(shape: shape, scalars: v) }

    func run(_ inputs: [Tensor?], direction: String) throws -> [Tensor] {
        try runNode("DynamicQuantizeLSTM", inputs,
                    attributes: [Attribute(name: "hidden_size", value: .int(2)),
                                 Attribute(name: "direction", value: .string(direction))],
                    outputs: 3, opset: 1, domain: "com.microsoft")
    }

    /// Y, Y_h and Y_c within float rounding of onnxruntime's.
    func expectOnnxruntime(_ inputs: [Tensor?], direction: String, _ want: [Tensor],
                           sourceLocation: SourceLocation = #_sourceLocation) throws {
        let out = try run(inputs, direction: direction)
        for (got, w) in zip(out, want) {
            #expect(isClose(got, w, atol: 1e-6, rtol: 1e-5), sourceLocation: sourceLocation)
        }
    }

    /// Bidirectional, int8 weights, per-column W scales, per-direction R scales, peepholes,
    /// sequence_lens [3, 2] (the shorter sequence's last step is zero), initial states.
    @Test func bidirectionalInt8MatchesOnnxruntime() throws {
        let X = try f32([3, 2, 3], [2.040919065475464, -2.5556650161743164, 0.4180988371372223, -0.5677695870399475, -0.4526492953300476, -0.21559716761112213, -2.019986152648926, -0.2319323718547821, -0.8652130961418152, 3.3229994773864746, 0.22578661143779755, -0.3526307940483093, -0.28128743171691895, -0.6680463552474976, -1.0551505088806152, -0.39080098271369934, 0.4819453954696655, -0.23855361342430115])
        let W = try i8([2, 3, 8], [38, 50, 94, -53, 112, -127, -108, 121, 113, -51, -92, -47, -117, 100, 41, 22, -65, -7, -79, 70, -7, -120, -63, 53, 5, -32, -63, -104, 28, 41, 5, 110, 109, -75, 28, 33, -64, -51, -3, 62, -53, 57, 39, -72, -29, 84, 87, 40])
        let R = try i8([2, 2, 8], [-126, 47, -70, 82, 105, -18, 117, 66, -44, 97, -29, -101, 24, 89, 40, -27, 103, -5, -29, -90, -73, 51, 76, -53, 33, 95, -90, -57, 6, 16, -26, -26])
        let B = try f32([2, 16], [-0.06092161312699318, 0.15906402468681335, -0.11912266910076141, 0.0354531928896904, -0.10484055429697037, 0.14059630036354065, -0.002165122888982296, -0.03722505643963814, -0.17181849479675293, 0.16818255186080933, 0.07527785748243332, 0.0753563866019249, 0.11378812789916992, 0.034922659397125244, -0.06392466276884079, -0.0800241231918335, -0.0800199955701828, 0.1370072364807129, -0.14603811502456665, -0.05963695049285889, -0.032124392688274384, 0.0224619023501873, 0.05753494054079056, -0.12490969896316528, -0.17300134897232056, -0.00044142326805740595, 0.12135638296604156, 0.07570580393075943, 0.02156507782638073, -0.03171556442975998, 0.02932336926460266, -0.02433350868523121])
        let sequencelens = try i32([2], [3, 2])
        let initialh = try f32([2, 2, 2], [0.4086032807826996, -0.39722368121147156, 0.06711997091770172, -0.055390067398548126, 0.27167969942092896, 0.11231926083564758, 1.275017261505127, 0.7493273615837097])
        let initialc = try f32([2, 2, 2], [0.7483685612678528, -1.0197519063949585, -0.17015831172466278, -0.3043053150177002, 0.2663607895374298, -1.1395132541656494, 0.5872493386268616, 0.5334916710853577])
        let P = try f32([2, 6], [-0.1302070915699005, -0.0978548526763916, -0.08011720329523087, 0.004329590126872063, 0.06409710645675659, 0.20478861033916473, -0.019744543358683586, 0.0767502561211586, 0.01554178074002266, 0.17599262297153473, 0.07421578466892242, 0.13685505092144012])
        let Wscale = try f32([2, 8], [0.02225819043815136, 0.013932785019278526, 0.013605751097202301, 0.024937206879258156, 0.02504446916282177, 0.02133955806493759, 0.028421593829989433, 0.014115501195192337, 0.027018021792173386, 0.013379746116697788, 0.029287153854966164, 0.022473854944109917, 0.022137675434350967, 0.02941117435693741, 0.02574065513908863, 0.02579834870994091])
        let Wzeropoint = try i8([2, 8], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
        let Rscale = try f32([2], [0.010999999940395355, 0.013000000268220901])
        let Rzeropoint = try i8([2], [0, 0])
        let Y = try f32([3, 2, 2, 2], [0.628829300403595, 0.6527485847473145, 0.03660178929567337, -0.47390490770339966, -0.00407025683671236, 0.0005087872268632054, 0.30381762981414795, -0.26419275999069214, 0.009463518857955933, 0.33220112323760986, -0.7104882597923279, 0.007153310347348452, -0.452105313539505, -0.4543816149234772, 0.00034738678368739784, 8.996702672448009e-05, 0.28744831681251526, -0.07439351081848145, 0.0, 0.0, -0.03529174253344536, -0.4722512364387512, 0.0, 0.0])
        let Yh = try f32([2, 2, 2], [0.28744831681251526, -0.07439351081848145, -0.7104882597923279, 0.007153310347348452, -0.00407025683671236, 0.0005087872268632054, 0.30381762981414795, -0.26419275999069214])
        let Yc = try f32([2, 2, 2], [0.37199798226356506, -0.27396994829177856, -0.9046033620834351, 0.8901340961456299, -0.5099550485610962, 0.3256872594356537, 0.5506682991981506, -0.35017821192741394])
        try expectOnnxruntime([X, W, R, B, sequencelens, initialh, initialc, P, Wscale, Wzeropoint, Rscale, Rzeropoint],
                              direction: "bidirectional", [Y, Yh, Yc])
    }

    /// Reverse, uint8 weights with zero points 128 (W, per direction) and 120 (R, per column).
    @Test func reverseUInt8MatchesOnnxruntime() throws {
        let X = try f32([3, 2, 3], [-0.6517911553382874, -0.17471729218959808, 1.6637239456176758, 0.6591477394104004, -1.64139723777771, -0.00520326429978013, -0.6234637498855591, 0.1486315280199051, -1.6081877946853638, 0.2417718768119812, 0.23538091778755188, 1.575626015663147, 0.3166450262069702, 0.5105466842651367, -1.4931167364120483, 2.2527291774749756, -1.9156455993652344, 1.101801872253418])
        let W = try u8([1, 3, 8], [150, 45, 118, 155, 77, 180, 104, 241, 53, 170, 23, 34, 133, 127, 127, 126, 219, 128, 93, 245, 226, 89, 51, 57])
        let R = try u8([1, 2, 8], [42, 133, 147, 164, 230, 240, 136, 148, 20, 68, 255, 238, 6, 125, 127, 173])
        let B = try f32([1, 16], [-0.07978229224681854, -0.05842382460832596, -0.023792337626218796, -0.013181504793465137, 0.20581144094467163, -0.05064036697149277, -0.02887243591248989, 0.04585777223110199, -0.09530740976333618, -0.03686271607875824, 0.0013318480923771858, 0.07741459459066391, -0.131601482629776, 0.1371469497680664, -0.035245735198259354, 0.01694164238870144])
        let sequencelens = try i32([2], [3, 2])
        let initialh = try f32([1, 2, 2], [0.42354413866996765, 0.33039647340774536, 0.5296159386634827, 0.08659891039133072])
        let initialc = try f32([1, 2, 2], [-0.009806676767766476, 0.15823927521705627, -0.4978576898574829, 0.6070936918258667])
        let P = try f32([1, 6], [-0.0775386244058609, -0.12602439522743225, 0.20564088225364685, -0.013644494116306305, -0.11791248619556427, 0.18522697687149048])
        let Wscale = try f32([1], [0.014999999664723873])
        let Wzeropoint = try u8([1], [128])
        let Rscale = try f32([1, 8], [0.019520778208971024, 0.014339600689709187, 0.02385104075074196, 0.025412609800696373, 0.013815769925713539, 0.01919832080602646, 0.01723630167543888, 0.0134145962074399])
        let Rzeropoint = try u8([1, 8], [120, 120, 120, 120, 120, 120, 120, 120])
        let Y = try f32([3, 1, 2, 2], [-0.23797154426574707, -0.38536208868026733, -0.5010848641395569, 0.13162431120872498, 0.03757937252521515, 0.03232955187559128, -0.24265985190868378, 0.08939206600189209, 0.012795529328286648, 0.07887018471956253, 0.0, 0.0])
        let Yh = try f32([1, 2, 2], [-0.23797154426574707, -0.38536208868026733, -0.5010848641395569, 0.13162431120872498])
        let Yc = try f32([1, 2, 2], [-0.774630069732666, -0.42641669511795044, -0.6095471382141113, 0.14205390214920044])
        try expectOnnxruntime([X, W, R, B, sequencelens, initialh, initialc, P, Wscale, Wzeropoint, Rscale, Rzeropoint],
                              direction: "reverse", [Y, Yh, Yc])
    }

    /// Near the float LSTM whose weights are the dequantized ones (transposed to LSTM's
    /// layout): only the on-the-fly quantization of X and H separates them.
    @Test func closeToTheFloatLSTMOfTheDequantizedWeights() throws {
        let x = try f32([2, 1, 2], [0.5, -1, 0.25, 2])
        let w = try i8([1, 2, 8], [10, -20, 30, -40, 50, -60, 70, -80, 5, 15, -25, 35, -45, 55, -65, 75])
        let r = try i8([1, 2, 8], [-3, 6, -9, 12, -15, 18, -21, 24, 27, -30, 33, -36, 39, -42, 45, -48])
        let scale = try f32([1], [0.01]), zp = try i8([1], [0])
        let q = try run([x, w, r, nil, nil, nil, nil, nil, scale, zp, scale, zp], direction: "forward")
        // LSTM wants W [1, 8, 2] and R [1, 8, 2]: transposed, times the scale.
        func dequantized(_ t: Tensor) throws -> Tensor {
            let v = t.floatArray()
            return try f32([1, 8, 2], (0..<16).map { i in v[(i % 2) * 8 + i / 2] * 0.01 })
        }
        let f = try runNode("LSTM", [x, try dequantized(w), try dequantized(r)],
                            attributes: [Attribute(name: "hidden_size", value: .int(2))], outputs: 3)
        #expect(isClose(q[0], f[0], atol: 5e-3, rtol: 0))
        #expect(!isClose(q[0], f[0], atol: 1e-7, rtol: 0), "the activations should be quantized")
    }

    @Test func wrongWeightShapeNamesTheInput() throws {
        let x = try f32([1, 1, 2], [1, 2])
        let w = try i8([1, 8, 2], Array(repeating: 1, count: 16)), r = try i8([1, 2, 8], Array(repeating: 1, count: 16))
        let scale = try f32([1], [0.01]), zp = try i8([1], [0])
        #expect(throws: (any Error).self) {
            _ = try run([x, w, r, nil, nil, nil, nil, nil, scale, zp, scale, zp], direction: "forward")
        }
        do {
            _ = try run([x, w, r, nil, nil, nil, nil, nil, scale, zp, scale, zp], direction: "forward")
        } catch {
            #expect("\(error)".contains("W int8[1,8,2] should be [1,2,8]"), "\(error)")
        }
    }
}
