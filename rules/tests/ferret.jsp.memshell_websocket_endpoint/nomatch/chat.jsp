<%-- ferret test fixture: written for the rule tests, the guarded block never runs --%>
<script>
var ws = new WebSocket("ws://" + location.host + "<%= request.getContextPath() %>/chat");
ws.onmessage = function (e) { console.log(e.data); };
</script>
