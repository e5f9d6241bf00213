<%-- ferret test fixture: written for the rule tests, the guarded block never runs --%>
<%
int[] primes = {2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47};
for (int p : primes) out.print(p + " ");
%>
