<%#@~^OQAAAA==jY~KP{P0kR;.+mYnK6OobV+vj+M\+M \lanmY4`EsKo YXOJ*~P.!+#AAAAAA==^#~@%>
