import sys, pandas as pd, numpy as np
def load(f):
    d = pd.read_csv(f); h = d[(d.effect == 'hires_lift') & d.estimated.astype(bool)].copy()
    h['lerr'] = np.log(h.estimate / h.truth); h['w'] = np.log(h.ci_high / h.ci_low); return h
a, b = load(sys.argv[1]), load(sys.argv[2])
f = lambda h: h.groupby('world').agg(n=('covered','size'), cov=('covered','mean'), bias=('lerr','mean'), rmse=('lerr', lambda x: np.sqrt((x**2).mean())), w=('w','median'))
t = pd.concat({'before': f(a), 'after': f(b)}, axis=1).swaplevel(axis=1).sort_index(axis=1, level=0)
print(t.round(3).to_string())
ident = ['today','heterogeneous','ramp','threshold','saturating','rules-shown']
for n, h in [('before', a), ('after', b)]:
    x = h[h.world.isin(ident)]
    print(n, 'identified pooled: cov %.3f bias %.3f rmse %.3f' % (x.covered.mean(), x.lerr.mean(), np.sqrt((x.lerr**2).mean())))
