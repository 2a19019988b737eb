// recsys/data/fetch.h — downloading MovieLens.
//
// Online: https://files.grouplens.org/datasets/movielens/NAME.zip with curl (or wget), unpacked
// with unzip (or python3's zipfile). Offline (ml-100k only): `pip download recbole --no-deps` and
// the copy of ml-100k inside the wheel (recbole/dataset_example/ml-100k: RecBole atomic files,
// which load_dataset reads; they lack GroupLens' u1..u5 split files).
#pragma once

#include <functional>
#include <string>

namespace tg::recsys {

// Fetches `name` ("ml-100k", "ml-1m", "ml-10m", "ml-20m", "ml-25m", "ml-latest-small",
// "ml-latest") into `dir` and returns the folder holding the data; a folder that already holds it
// is returned without downloading. Progress lines go to `log` (stderr when not given).
std::string fetch_dataset(const std::string& name, const std::string& dir);
std::string fetch_dataset(const std::string& name, const std::string& dir,
                          const std::function<void(const std::string&)>& log);

}  // namespace tg::recsys
