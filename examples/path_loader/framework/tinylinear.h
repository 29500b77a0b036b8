// tinylinear: stands in for a C library that loads its models only from a path
// (liblinear's load_model(const char*), FANN, ...). A model file is text:
//   weights <w1> <w2> ...
//   bias <b>
// and predicts y = w . x + b for each row x.
#pragma once

#include <cstddef>

#define TINYLINEAR_VERSION "1.4"

struct tinylinear_model;

// NULL on failure, with the reason in tinylinear_error().
tinylinear_model* tinylinear_load(const char* path);
const char* tinylinear_error();
std::size_t tinylinear_features(const tinylinear_model* model);
float tinylinear_predict(const tinylinear_model* model, const float* row);
void tinylinear_free(tinylinear_model* model);
