// recsys/cli/cli.cpp — the subcommands and options of tapegrad-recsys (see cli.h).
#include "cli.h"

namespace tg::recsys::cli {

static void add_common(CLI::App* app, Common& c, bool with_split) {
  app->add_option("--data", c.data, "MovieLens folder (default: $TG_DATA_DIR)");
  if (with_split) app->add_option("--split", c.split, "u1..u5, ua, ub, random, per-user, temporal, loo")->capture_default_str();
  app->add_flag("--skip-bad-lines", c.skip_bad_lines, "skip malformed lines instead of failing");
  app->add_flag("--quiet,-q", c.quiet, "no progress output");
  app->add_flag("--json", c.json, "one JSON object per result line");
  app->add_option("--threads", c.threads, "OpenMP threads (default: all)");
}

static void add_train_options(CLI::App* app, TrainConfig& cfg, std::string& device) {
  app->add_option("--epochs", cfg.epochs, "epochs (ALS: sweeps, bpmf: kept samples); default: the model's tuned value");
  app->add_option("--dim", cfg.dim, "embedding / factor size");
  app->add_option("--lr", cfg.lr, "learning rate");
  app->add_option("--batch", cfg.batch, "batch size");
  app->add_option("--optimizer", cfg.optimizer, "adam, adamw, sgd, adagrad, sparse_adam, rowwise_adagrad, rmsprop");
  app->add_option("--weight-decay", cfg.weight_decay, "L2 strength (ALS: lambda)");
  app->add_option("--seed", cfg.seed, "random seed")->capture_default_str();
  app->add_option("--patience", cfg.patience, "early-stopping patience in epochs (default: the model's, 3)");
  app->add_option("--lr-decay", cfg.lr_decay, "multiply the learning rate by this after every epoch (default: the model's)")
      ->check(CLI::Range(1e-6, 1.0));
  app->add_option("--refit", cfg.refit, "1: after early stopping picks the epoch count on validation, retrain on train + validation for that many epochs; 0: off (default: the model's)")
      ->check(CLI::Range(0, 1));
  app->add_option("--device", device, "cpu or cuda")->capture_default_str();
}

void define(CLI::App& app, Args& a) {
  app.require_subcommand(1);
  a.train = app.add_subcommand("train", "train one model and report test metrics");
  add_common(a.train, a.common, true);
  add_train_options(a.train, a.cfg, a.device);
  a.train->add_option("--model", a.model, "mf, als, wide_deep, deep_mf, svdpp, bpmf")->capture_default_str();
  a.train->add_option("--out", a.out_file, "save the trained model (safetensors)");
  a.train->add_option("--task", a.cfg.task, "rating (regression) or binary (rating >= 4; wide_deep: AUC / LogLoss)")
      ->capture_default_str();
  a.train->add_option("--behaviour", a.cfg.behaviour, "wide_deep: item2vec (default) = add the user's behaviour vector (mean item2vec of their history), or none");
  a.train->add_option("--checkpoint", a.cfg.checkpoint, "checkpoint file, written atomically after every epoch (see --checkpoint-every, --resume)");
  a.train->add_option("--checkpoint-every", a.cfg.checkpoint_every, "write the checkpoint every N batches and after each epoch")
      ->check(CLI::NonNegativeNumber);
  a.train->add_flag("--resume", a.cfg.resume, "continue from --checkpoint when it exists");
  a.train->add_option("--set", a.sets, "NAME=VALUE: a model setting beyond the flags above, e.g. deep_mf's dot=false or pretrain=false (repeatable; an unknown NAME lists the model's settings)");

  a.compare = app.add_subcommand("compare", "train every model with its tuned defaults and compare");
  add_common(a.compare, a.common, true);
  a.compare->add_option("--models", a.models_csv, "comma-separated model names (default: all)");
  a.compare->add_option("--seed", a.cfg.seed, "random seed")->capture_default_str();
  a.compare->add_option("--save-dir", a.save_dir, "save each trained model as DIR/<model>.safetensors");
  a.compare->add_option("--set", a.sets, "MODEL.NAME=VALUE (one model) or NAME=VALUE (every model that has it): a model setting, e.g. deep_mf.dot=false (repeatable)");
  a.compare->add_flag("--no-blend", a.no_blend, "skip the linear blend of the models (weights fitted on the validation part)");

  a.rank = app.add_subcommand("rank", "implicit-feedback ranking on leave-latest-one-out: HR@10 / NDCG@10 with 99 sampled negatives and over all unseen items");
  add_common(a.rank, a.common, false);
  a.rank->add_option("--models", a.models_csv, "comma-separated: popularity, bpr, neumf, dmf (default: all)");
  a.rank->add_option("--seed", a.cfg.seed, "random seed")->capture_default_str();
  a.rank->add_option("--epochs", a.cfg.epochs, "epochs (default: each model's tuned value)");
  a.rank->add_option("--dim", a.cfg.dim, "embedding size (default: each model's tuned value)");
  a.rank->add_option("--lr", a.cfg.lr, "learning rate");
  a.rank->add_option("--batch", a.cfg.batch, "batch size");
  a.rank->add_option("--weight-decay", a.cfg.weight_decay, "L2 on the touched embedding rows");
  a.rank->add_option("--save-dir", a.save_dir, "save each trained model as DIR/<model>.safetensors");
  a.rank->add_option("--negatives", a.negatives, "sampled negatives per positive (default: the model's)");
  a.rank->add_option("--patience", a.cfg.patience, "early-stopping patience in epochs (default: the model's, 8)");

  a.evaluate = app.add_subcommand("evaluate", "evaluate a saved model on a split");
  add_common(a.evaluate, a.common, true);
  a.evaluate->add_option("--model-file", a.model_file, "a model saved with --out")->required();

  a.recommend = app.add_subcommand("recommend", "top-k unseen items for a user");
  add_common(a.recommend, a.common, false);
  a.recommend->add_option("--model-file", a.model_file, "a model saved with --out")->required();
  a.recommend->add_option("--user", a.user, "user id (as in the data files)")->required();
  a.recommend->add_option("--k", a.k, "how many")->capture_default_str();

  a.similar = app.add_subcommand("similar", "items closest to an item (cosine of item vectors)");
  add_common(a.similar, a.common, false);
  a.similar->add_option("--model-file", a.model_file, "a model saved with --out")->required();
  a.similar->add_option("--item", a.item, "item id (as in the data files)")->required();
  a.similar->add_option("--k", a.k, "how many")->capture_default_str();

  a.fetch = app.add_subcommand("fetch", "download a MovieLens dataset (offline: from PyPI's recbole wheel)");
  a.fetch->add_option("--dataset", a.dataset, "ml-100k")->capture_default_str();
  a.fetch->add_option("--dir", a.dir, "target folder")->required();

  a.synth = app.add_subcommand("synth", "write a synthetic MovieLens-format dataset");
  a.synth->add_option("--dir", a.dir, "target folder")->required();
  a.synth->add_option("--users", a.n_users)->capture_default_str();
  a.synth->add_option("--items", a.n_items)->capture_default_str();
  a.synth->add_option("--ratings", a.n_ratings)->capture_default_str();
  a.synth->add_option("--seed", a.cfg.seed)->capture_default_str();
  a.synth->add_option("--format", a.format, "ml-100k or csv")->capture_default_str();
}

}  // namespace tg::recsys::cli
