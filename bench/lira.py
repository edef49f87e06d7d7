# lira.py DIR K: the offline likelihood-ratio membership test (Carlini et al. 2022, "fixed
# variance" form) from the scores `lgc privacy --scores` wrote: DIR/target-*.npy for the
# package under attack and DIR/s{k}-*.npy for K shadow packages, each made from the training
# images in DIR/s{k}-mask.npy (bool, 60,000). Each record's score under the target is
# compared with its scores under the shadows that did NOT see it. Prints one JSON object.
import json, sys
import numpy as np

d, K = sys.argv[1], int(sys.argv[2])
ld = lambda n: np.load(f"{d}/{n}.npy")
t_in, t_out, idx = ld("target-train"), ld("target-holdout"), ld("target-index").astype(np.int64)
s_in = np.stack([ld(f"s{k}-train") for k in range(K)])      # (K, n) shadows' scores of members
s_out = np.stack([ld(f"s{k}-holdout") for k in range(K)])   # (K, m) ... of non-members
seen = np.stack([ld(f"s{k}-mask")[idx] for k in range(K)])  # (K, n) shadow k trained on member i
def auc(pos, neg):
    r = np.argsort(np.argsort(np.concatenate([pos, neg]))) + 1.0
    return (r[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg))
def tpr_at(pos, neg, fpr):
    thr = np.quantile(neg, 1.0 - fpr)
    return float((pos > thr).mean())
# OUT statistics: per record, the mean of the shadows that did not see it; one global sd
mu_in = np.where(~seen, s_in, 0).sum(0) / np.maximum((~seen).sum(0), 1)
ok = (~seen).sum(0) > 0
mu_out = s_out.mean(0)
sd = np.concatenate([(s_in - mu_in)[~seen], (s_out - mu_out).ravel()]).std()
z_in, z_out = (t_in[ok] - mu_in[ok]) / sd, (t_out - mu_out) / sd
print(json.dumps({"shadows": K, "members": int(ok.sum()), "non_members": len(t_out),
                  "out_shadows_per_member": float((~seen).sum(0).mean()),
                  "lira_auc": round(float(auc(z_in, z_out)), 4),
                  "lira_tpr_at_1pct_fpr": round(tpr_at(z_in, z_out, 0.01), 4),
                  "raw_auc": round(float(auc(t_in, t_out)), 4),
                  "raw_tpr_at_1pct_fpr": round(tpr_at(t_in, t_out, 0.01), 4)}))
