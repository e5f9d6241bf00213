<%#@~^GwAAAA==]/2Kxk+RqDbO+,Dn;!+dOvJ3rbAAAAAA==^#~@%>
