// The ONNX backend test corpus as libonnx-testdata ships it: one directory per test,
// holding model.onnx and test_data_set_<k>/{input,output}_<i>.pb, each a serialized
// onnx.TensorProto (or a SequenceProto/OptionalProto for the models whose graph
// inputs or outputs are sequences or optionals, which this tool does not read).
//
// Inputs are matched to the model by position, as onnx/backend/test/runner does: the
// i-th input file feeds graph.input[i] (models of old opsets list their initializers
// among graph.input after the real inputs, and have fewer files than inputs).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace carton::onnx_corpus {

// A tensor's elements as ONNX stores them, decoded: C order, little-endian, elem_type
// an onnx::TensorProto_DataType value. Strings are kept in `strings`.
struct Array {
  std::string name;
  std::int32_t elem_type = 0;
  std::vector<std::int64_t> shape;
  std::vector<std::uint8_t> data;
  std::vector<std::string> strings;
  std::uint64_t numel() const;
};

// Elements of a numeric Array widened to double (bool as 0/1).
std::vector<double> to_doubles(const Array& a);
// Element type names and sizes: the runner's (runners/onnx/model_check.hpp).
std::string elem_type_name(std::int32_t elem_type);

struct ValueInfo {
  std::string name;
  bool is_tensor = false;  // false: a sequence, map, optional or sparse tensor
  std::int32_t elem_type = 0;
};

struct DataSet {
  std::filesystem::path dir;
  std::vector<Array> inputs, outputs;  // inputs named after the graph's inputs
};

struct TestCase {
  std::filesystem::path dir;
  std::string category;  // node, simple, pytorch-converted, ...
  std::string name;      // test_abs
  std::vector<ValueInfo> inputs, outputs;  // the graph's real inputs (no initializers)
  std::vector<DataSet> sets;
  // Why `sets` is empty when the data could not be read (e.g. a sequence input).
  std::string data_error;
};

// Every directory under `root` (or `root` itself) that holds model.onnx, sorted.
std::vector<std::filesystem::path> find_tests(const std::filesystem::path& root);

// Reads the model's inputs and outputs and every data set. What cannot be read (a
// model.onnx protobuf does not parse, a non-tensor input, see the header comment) is
// named in data_error, so that an engine still gets to load the model.
TestCase read_test(const std::filesystem::path& dir);

std::vector<std::uint8_t> read_file(const std::filesystem::path& path);

}  // namespace carton::onnx_corpus
