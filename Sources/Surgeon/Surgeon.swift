// Surgeon: PyTorch-style names, Inspect and Extract for ONNX models (the contract is
// notes/naming.md).
//
//   let names = ModelNames(model: model)              // layers (get_layers), nodes (get_nodes)
//   try names.resolve("layer1", in: model)            // node / layer / input / value, or a
//                                                     // message with candidates
//   let t = try inspectTargets(model:names:specs:)    // labels + ONNX values to record
//   try runInspect(model:targets:feeds:)              // one run, outputs + recorded values
//   let c = try cut(model:names:inputs:outputs:keepOriginalOutputs:)   // Extract
//   print(c.summary)                                  // seed form + typed table
//   let o = ModelOverview(model: model, names: names)
//   try o.info("layer1.0.conv1"); o.tree().renderText()
//   ShapeInference.infer(model)                       // value name -> dtype[shape]
