// A path-only loader, written as a C library would be: fopen the path, parse, fclose.
#include "tinylinear.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

struct tinylinear_model {
  std::vector<float> weights;
  float bias = 0;
};

namespace {
thread_local std::string last_error;

tinylinear_model* fail(std::FILE* f, tinylinear_model* m, std::string why) {
  if (f) std::fclose(f);
  delete m;
  last_error = std::move(why);
  return nullptr;
}
}  // namespace

tinylinear_model* tinylinear_load(const char* path) {
  std::FILE* f = std::fopen(path, "r");
  if (!f) return fail(nullptr, nullptr, std::string("cannot open ") + path + ": " + std::strerror(errno));
  auto* m = new tinylinear_model;
  char word[16];
  if (std::fscanf(f, "%15s", word) != 1 || std::strcmp(word, "weights") != 0) {
    return fail(f, m, "no 'weights' line");
  }
  float w;
  while (std::fscanf(f, "%f", &w) == 1) m->weights.push_back(w);
  if (m->weights.empty()) return fail(f, m, "no weights");
  if (std::fscanf(f, "%15s %f", word, &m->bias) != 2 || std::strcmp(word, "bias") != 0) {
    return fail(f, m, "no 'bias' line after the weights");
  }
  std::fclose(f);
  return m;
}

const char* tinylinear_error() { return last_error.c_str(); }

std::size_t tinylinear_features(const tinylinear_model* model) { return model->weights.size(); }

float tinylinear_predict(const tinylinear_model* model, const float* row) {
  float y = model->bias;
  for (std::size_t i = 0; i < model->weights.size(); ++i) y += model->weights[i] * row[i];
  return y;
}

void tinylinear_free(tinylinear_model* model) { delete model; }
