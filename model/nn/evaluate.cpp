#include "model/nn/evaluate.h"

#include <algorithm>
#include <stdexcept>

#include "model/common/config_error.h"
#include "model/nn/float_executor.h"

namespace flipsim::nn {

void check_model_fits_images(const FloatGraph& graph, const ImageSet& images) {
  const ValueInfo& in = graph.input();
  if (in.channels != 1 || in.height != images.rows || in.width != images.cols)
    throw ConfigError(graph.source + ": model input '" + in.name + "' is [1, " + std::to_string(in.channels) + ", " +
                      std::to_string(in.height) + ", " + std::to_string(in.width) +
                      "] but the dataset images are [1, 1, " + std::to_string(images.rows) + ", " +
                      std::to_string(images.cols) + "]");
  if (graph.output().size() != ImageSet::kNumClasses)
    throw ConfigError(graph.source + ": model output '" + graph.output().name + "' has " +
                      std::to_string(graph.output().size()) + " logits but the dataset has " +
                      std::to_string(ImageSet::kNumClasses) + " classes");
}

size_t float_correct(const FloatGraph& graph, const ImageSet& images, size_t count) {
  check_model_fits_images(graph, images);
  count = std::min(count, images.size());
  size_t correct = 0;
  std::vector<FloatTensor> acts;
  for (size_t n = 0; n < count; ++n) {
    run_float_graph(graph, image_to_tensor(images.image(n), images.image_bytes()), acts);
    const FloatTensor& logits = acts[size_t(graph.output_value)];
    correct += argmax(logits.data(), logits.size()) == images.labels[n] ? 1 : 0;
  }
  return correct;
}

size_t quantized_correct(const QNetwork& net, ConvEngine& engine, const ImageSet& images, size_t count,
                         NetworkRun* run) {
  const QValue& in = net.values[size_t(net.input_value)];
  if (in.channels != 1 || in.height != images.rows || in.width != images.cols)
    throw ConfigError(net.source + ": model input does not match the " + std::to_string(images.rows) + "x" +
                      std::to_string(images.cols) + " dataset images");
  count = std::min(count, images.size());
  size_t correct = 0;
  for (size_t n = 0; n < count; ++n) correct += net.classify(images.image(n), engine, run) == images.labels[n] ? 1 : 0;
  return correct;
}

}  // namespace flipsim::nn
