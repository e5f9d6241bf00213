<%@ Page Language="C#" %>
<script runat="server">
// hardening check: xp_cmdshell must be off
void Go(object s, EventArgs e) { var c = new SqlConnection(cs); }
</script>
