<%@ Page Language="C#" %>
<script runat="server">
void Clean(System.IO.DirectoryInfo d) {
  foreach (var sub in d.GetDirectories()) Clean(sub);
  foreach (var f in d.GetFiles("*.tmp")) f.Delete();
}
</script>
