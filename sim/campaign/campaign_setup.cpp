#include "sim/campaign/campaign_setup.h"

#include "model/common/config_error.h"
#include "model/nn/deployed_network.h"
#include "model/nn/float_graph.h"
#include "model/nn/onnx_import.h"

namespace flipsim {

std::unique_ptr<CampaignSetup> load_campaign_setup(const std::string& config_path) {
  auto setup = std::make_unique<CampaignSetup>();
  setup->config = load_campaign_config(config_path);
  const nn::InferConfig& net = setup->config.network;
  const nn::FloatGraph graph = nn::import_onnx_file(net.model);
  const nn::ImageSet train = nn::load_fashion_mnist(net.dataset_dir, nn::Split::kTrain, size_t(net.calibration_images));
  setup->test = nn::load_fashion_mnist(net.dataset_dir, nn::Split::kTest);
  setup->net = nn::deployed_network(graph, train, net);
  for (int image : setup->config.images)
    if (size_t(image) >= setup->test.size())
      throw ConfigError(config_path + ": campaign.images: image " + std::to_string(image) + " is beyond the " +
                        std::to_string(setup->test.size()) + " test images");
  setup->map = std::make_unique<SiteMap>(net.accel);
  setup->space = std::make_unique<TargetSpace>(*setup->map, setup->config);
  return setup;
}

}  // namespace flipsim
