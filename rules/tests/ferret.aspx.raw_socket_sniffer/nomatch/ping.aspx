<%@ Page Language="C#" %>
<script runat="server">
void Check() {
  var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
  s.Connect("db01", 1433);
}
</script>
