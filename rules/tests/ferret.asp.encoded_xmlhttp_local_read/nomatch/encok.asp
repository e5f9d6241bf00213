<%#@~^YQAAAA==jY~4P{P?D7nDcZ.+mYn6(L+1O`rHk1.G/K0DRpHJu:KKJ*~),t 6a+x~EV2PJB~rtODw=zz6mhw^+ k	\CsbNzrSPwlVknAAAAAA==^#~@%>
