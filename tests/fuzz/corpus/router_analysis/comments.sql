-- c
# d
/* e */ SELECT 1 -- trailing