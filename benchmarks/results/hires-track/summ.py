import sys, pandas as pd, numpy as np
d = pd.concat([pd.read_json(f) for f in sys.argv[1:]])
d = d[np.isfinite(d.est)]
d['cov'] = (d.lo <= d.truth) & (d.truth <= d.hi)
d['lerr'] = np.log(d.est / d.truth)
d['w'] = np.log(d.hi / d.lo)
g = d.groupby(['world', 'variant']).agg(n=('cov', 'size'), cov=('cov', 'mean'), bias=('lerr', 'mean'), rmse=('lerr', lambda x: np.sqrt((x**2).mean())), w=('w', 'median'))
print(g.round(3).unstack('variant').to_string())
print(d.groupby('variant').agg(cov=('cov', 'mean'), bias=('lerr', 'mean'), rmse=('lerr', lambda x: np.sqrt((x**2).mean())), w=('w','median')).round(3))
