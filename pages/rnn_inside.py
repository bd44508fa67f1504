import streamlit as st

st.title("rnn_inside")
st.write("Being built.")
